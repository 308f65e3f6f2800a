package org.altdiffusion.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import org.altdiffusion.image.PilResize.Filter;

/**
 * Inpainting masks, as the reference tools make them (white = repaint, black = keep): loaded to
 * PIL's mode "L", AUTOMATIC1111's binary mask and mask blur, diffusers' mask preprocessing, and
 * torch's nearest resize to the latent size.
 */
public final class Masks {
  private Masks() {}

  /**
   * PIL's {@code convert("L")}: {@code (19595 R + 38470 G + 7471 B + 32768) >> 16} (ITU-R 601-2
   * luma); a gray picture keeps its values, alpha is ignored.
   */
  public static GrayImage luminance(BufferedImage image) {
    BufferedImage rgb = Alpha.drop(image);
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    int[] packed = rgb.getRGB(0, 0, w, h, null, 0, w);
    int[] l = new int[packed.length];
    for (int i = 0; i < l.length; i++) {
      int p = packed[i];
      l[i] =
          (((p >> 16) & 255) * 19595 + ((p >> 8) & 255) * 38470 + (p & 255) * 7471 + 0x8000) >> 16;
    }
    return new GrayImage(w, h, l);
  }

  /**
   * AUTOMATIC1111's {@code create_binary_mask} (its default, {@code round=True}): a colour picture
   * with some transparency is masked by its alpha, 255 where alpha > 128 and 0 elsewhere (painted
   * strokes on a transparent layer); any other picture by its luminance, unrounded. A gray picture
   * with alpha counts as gray (PIL's "LA" is not "RGBA").
   */
  public static GrayImage a1111(BufferedImage mask) {
    boolean gray = mask.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    if (!gray && mask.getColorModel().hasAlpha()) {
      int w = mask.getWidth();
      int h = mask.getHeight();
      int[] argb = mask.getRGB(0, 0, w, h, null, 0, w);
      boolean transparent = false;
      for (int p : argb) transparent |= (p >>> 24) != 255;
      if (transparent) {
        int[] l = new int[argb.length];
        for (int i = 0; i < l.length; i++) l[i] = (argb[i] >>> 24) > 128 ? 255 : 0;
        return new GrayImage(w, h, l);
      }
    }
    return luminance(mask);
  }

  /**
   * AUTOMATIC1111's mask blur ({@code mask_blur_x}, {@code mask_blur_y}): {@code cv2.GaussianBlur}
   * along the rows with sigma {@code blurX} and a kernel of {@code 2 * int(2.5 * blurX + 0.5) + 1}
   * taps, then along the columns likewise; an axis whose blur is 0 is left alone.
   */
  public static GrayImage blur(GrayImage mask, double blurX, double blurY) {
    if (!(blurX >= 0) || !(blurY >= 0))
      throw new IllegalArgumentException(
          "mask blur must be 0 (none) or more, got " + blurX + ", " + blurY);
    GrayImage out = mask;
    if (blurX > 0)
      out = GaussianBlur.blur(out, GaussianBlur.kernel(kernelSize(blurX), blurX), true);
    if (blurY > 0)
      out = GaussianBlur.blur(out, GaussianBlur.kernel(kernelSize(blurY), blurY), false);
    return out;
  }

  /**
   * A1111's kernel size for a mask blur of {@code sigma}: {@code 2 * int(2.5 * sigma + 0.5) + 1}.
   */
  static int kernelSize(double sigma) {
    return 2 * (int) (2.5 * sigma + 0.5) + 1;
  }

  /**
   * diffusers' mask preprocessing ({@code VaeImageProcessor(do_normalize=False, do_binarize=True,
   * do_convert_grayscale=True).preprocess(mask, height, width)}): resized to {@code width x height}
   * with PIL's Lanczos, then 1 where {@code v / 255 >= 0.5} (v >= 128) and 0 elsewhere; [H, W]
   * floats, row-major, ready for a [1, 1, H, W] tensor. diffusers rounds the size down to a
   * multiple of the VAE's scale factor first: pass the picture's size, which already is one.
   */
  public static float[] diffusers(GrayImage mask, int width, int height) {
    GrayImage sized =
        mask.width() == width && mask.height() == height
            ? mask
            : PilResize.resize(Planes.of(mask), width, height, Filter.LANCZOS).toGray();
    int[] v = sized.values();
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) out[i] = v[i] >= 128 ? 1f : 0f;
    return out;
  }

  /**
   * torch's {@code interpolate(mask, size=(latentHeight, latentWidth))} (mode "nearest", as
   * diffusers' inpainting pipelines bring the mask to the latents): source index {@code floor(i *
   * (float) in / out)}, in float32 as torch computes it.
   */
  public static float[] nearest(
      float[] mask, int width, int height, int latentWidth, int latentHeight) {
    if (mask.length != width * height)
      throw new IllegalArgumentException(
          "a "
              + width
              + "x"
              + height
              + " mask has "
              + width * height
              + " values, got "
              + mask.length);
    if (latentWidth < 1 || latentHeight < 1)
      throw new IllegalArgumentException(
          "the latent size must be positive, got " + latentWidth + "x" + latentHeight);
    float[] out = new float[latentWidth * latentHeight];
    for (int y = 0; y < latentHeight; y++) {
      int sy = nearestIndex(y, height, latentHeight);
      for (int x = 0; x < latentWidth; x++)
        out[y * latentWidth + x] = mask[sy * width + nearestIndex(x, width, latentWidth)];
    }
    return out;
  }

  /** ATen's {@code nearest_idx} without explicit scales. */
  static int nearestIndex(int out, int inSize, int outSize) {
    if (outSize == inSize) return out;
    if (outSize == 2 * inSize) return out >> 1;
    float scale = (float) inSize / outSize;
    return Math.min((int) Math.floor(out * scale), inSize - 1);
  }

  /** The mask resized to {@code width x height} with PIL's Lanczos (as A1111 resizes masks). */
  public static GrayImage resize(GrayImage mask, int width, int height) {
    if (width < 1 || height < 1)
      throw new IllegalArgumentException(
          "a mask needs a positive size, got " + width + "x" + height);
    if (mask.width() == width && mask.height() == height) return mask;
    return PilResize.resize(Planes.of(mask), width, height, Filter.LANCZOS).toGray();
  }

  /**
   * AUTOMATIC1111's overlay of an inpainting result ({@code apply_overlay} without a paste
   * location): the original, given opacity {@code 255 - min(2 * mask, 255)} (A1111's {@code
   * mask_for_overlay}), alpha-composited over the generated picture in PIL's integer arithmetic.
   *
   * @param original the init picture
   * @param generated the decoded result, the same size
   * @param mask the mask the generation used (inverted and blurred), the same size
   */
  public static BufferedImage overlay(
      BufferedImage original, BufferedImage generated, GrayImage mask) {
    int w = generated.getWidth();
    int h = generated.getHeight();
    requireSize("overlay", original, mask, w, h);
    int[] m = mask.values();
    int[] forOverlay = new int[m.length];
    for (int i = 0; i < m.length; i++) forOverlay[i] = Math.min(2 * m[i], 255);
    int[] canvas = generated.getRGB(0, 0, w, h, null, 0, w); // opaque
    return overOriginal(canvas, original, forOverlay, w, h);
  }

  /**
   * AUTOMATIC1111's "inpaint only masked" paste-back ({@code apply_overlay} with {@code paste_to}):
   * the result has the original's size; the generated picture, fitted to the crop by "crop and
   * resize", is pasted at the crop's corner onto a transparent canvas, and the original, given
   * opacity {@code 255 - mask}, is alpha-composited over it (PIL's integer arithmetic); RGB.
   *
   * @param original the init picture at its own size
   * @param mask the (inverted, blurred) mask at the original's size
   * @param generated the decoded picture at the processing size
   * @param crop {x1, y1, x2, y2} from {@link #cropRegion}
   */
  public static BufferedImage pasteBackA1111(
      BufferedImage original, GrayImage mask, BufferedImage generated, int[] crop) {
    int w = original.getWidth();
    int h = original.getHeight();
    requireSize("paste-back", original, mask, w, h);
    int cw = crop[2] - crop[0];
    int ch = crop[3] - crop[1];
    int[] g = ResizeMode.CROP_AND_RESIZE.fit(generated, cw, ch).getRGB(0, 0, cw, ch, null, 0, cw);
    int[] canvas = new int[w * h]; // Image.new("RGBA"): transparent black
    for (int y = 0; y < ch; y++)
      for (int x = 0; x < cw; x++)
        canvas[(crop[1] + y) * w + crop[0] + x] = 0xff000000 | g[y * cw + x];
    return overOriginal(canvas, original, mask.values(), w, h);
  }

  /**
   * AUTOMATIC1111's {@code masking.fill}: the masked region of {@code image} filled with the
   * colours around it. The picture with opacity {@code 255 - mask} (premultiplied) is blurred with
   * PIL's GaussianBlur at radii 256, 64, 16, 4, 2 and 0 (composited 1, 1, 2, 4, 2 and 1 times),
   * each blurred layer alpha-composited over the previous ones from transparent black; the alpha is
   * then dropped. Pixels outside the mask keep their colour.
   *
   * @param image the picture, RGB
   * @param mask the (inverted, blurred) mask at the picture's size, 255 = repaint
   */
  public static BufferedImage fill(BufferedImage image, GrayImage mask) {
    int w = image.getWidth();
    int h = image.getHeight();
    requireSize("fill", image, mask, w, h);
    Planes masked =
        premultiplied(Alpha.drop(image).getRGB(0, 0, w, h, null, 0, w), mask.values(), w, h);
    int[] layers = new int[w * h]; // RGBA, transparent black
    float[] radii = {256, 64, 16, 4, 2, 0};
    int[] repeats = {1, 1, 2, 4, 2, 1};
    for (int r = 0; r < radii.length; r++) {
      int[] blurred = unpremultiplied(PilBlur.gaussian(masked, radii[r]));
      for (int k = 0; k < repeats[r]; k++)
        for (int i = 0; i < layers.length; i++) layers[i] = alphaComposite(layers[i], blurred[i]);
    }
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, layers, 0, w); // TYPE_INT_RGB ignores the alpha byte
    return out;
  }

  /** {@code canvas} (ARGB) with the original over it at opacity {@code 255 - mask}; RGB. */
  private static BufferedImage overOriginal(
      int[] canvas, BufferedImage original, int[] mask, int w, int h) {
    int[] rgb = Alpha.drop(original).getRGB(0, 0, w, h, null, 0, w);
    int[] over = unpremultiplied(premultiplied(rgb, mask, w, h));
    int[] out = new int[w * h];
    for (int i = 0; i < out.length; i++) out[i] = alphaComposite(canvas[i], over[i]) & 0xffffff;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, w, h, out, 0, w);
    return img;
  }

  /**
   * PIL's {@code paste(picture as "RGBa", mask=invert(mask))} onto a transparent black "RGBa"
   * canvas: each channel {@code round(c * a / 255)} and alpha {@code a = 255 - mask}; planes R, G,
   * B, a.
   */
  private static Planes premultiplied(int[] rgb, int[] mask, int w, int h) {
    byte[][] c = new byte[4][rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      int a = 255 - mask[i];
      c[0][i] = (byte) div255(((rgb[i] >> 16) & 255) * a);
      c[1][i] = (byte) div255(((rgb[i] >> 8) & 255) * a);
      c[2][i] = (byte) div255((rgb[i] & 255) * a);
      c[3][i] = (byte) a;
    }
    return new Planes(w, h, c);
  }

  /** PIL's "RGBa" to "RGBA": {@code min(255, 255 * c / a)} unless a is 0 or 255; ARGB ints. */
  private static int[] unpremultiplied(Planes p) {
    byte[][] c = p.channels();
    int[] out = new int[c[0].length];
    for (int i = 0; i < out.length; i++) {
      int a = c[3][i] & 255;
      int px = a << 24;
      for (int k = 0; k < 3; k++) {
        int v = c[k][i] & 255;
        if (a != 0 && a != 255) v = Math.min(255, 255 * v / a);
        px |= v << (16 - 8 * k);
      }
      out[i] = px;
    }
    return out;
  }

  /** PIL's {@code ImagingAlphaComposite} of one ARGB pixel {@code src} over {@code dst}. */
  static int alphaComposite(int dst, int src) {
    int srcA = src >>> 24;
    if (srcA == 0) return dst;
    int dstA = dst >>> 24;
    long outA255 = (long) srcA * 255 + (long) dstA * (255 - srcA);
    long coef1 = (long) srcA * 255 * 255 * (1 << 7) / outA255;
    long coef2 = 255L * (1 << 7) - coef1;
    int px = (int) shiftForDiv255(outA255 + 0x80) << 24;
    for (int shift = 16; shift >= 0; shift -= 8) {
      long tmp = ((src >> shift) & 255) * coef1 + ((dst >> shift) & 255) * coef2;
      px |= (int) (shiftForDiv255(tmp + (0x80 << 7)) >> 7) << shift;
    }
    return px;
  }

  private static long shiftForDiv255(long v) {
    return ((v >> 8) + v) >> 8;
  }

  private static void requireSize(
      String what, BufferedImage picture, GrayImage mask, int w, int h) {
    if (picture.getWidth() != w
        || picture.getHeight() != h
        || mask.width() != w
        || mask.height() != h)
      throw new IllegalArgumentException(
          what
              + " needs one size: picture "
              + picture.getWidth()
              + "x"
              + picture.getHeight()
              + ", mask "
              + mask.width()
              + "x"
              + mask.height()
              + ", expected "
              + w
              + "x"
              + h);
  }

  /**
   * diffusers' {@code VaeImageProcessor.get_crop_region(mask, width, height, pad)}: the smallest
   * rectangle holding every non-zero mask value, grown by {@code pad} pixels (within the picture),
   * then grown along one axis towards the aspect ratio of {@code width x height} (shifted back
   * inside the picture where it sticks out).
   *
   * @return {x1, y1, x2, y2}, x2 and y2 exclusive
   */
  public static int[] cropRegion(GrayImage mask, int width, int height, int pad) {
    if (pad < 0) throw new IllegalArgumentException("crop padding must be >= 0, got " + pad);
    int w = mask.width();
    int h = mask.height();
    int left = w;
    int right = -1;
    int top = h;
    int bottom = -1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (mask.get(x, y) != 0) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
    }
    if (right < 0)
      throw new IllegalArgumentException(
          "the mask is black everywhere: there is no region to crop around");
    int x1 = Math.max(left - pad, 0);
    int y1 = Math.max(top - pad, 0);
    int x2 = Math.min(right + 1 + pad, w);
    int y2 = Math.min(bottom + 1 + pad, h);
    double ratioCrop = (double) (x2 - x1) / (y2 - y1);
    double ratio = (double) width / height;
    if (ratioCrop > ratio) {
      int diff = (int) ((x2 - x1) / ratio - (y2 - y1));
      y1 -= Math.floorDiv(diff, 2);
      y2 += diff - Math.floorDiv(diff, 2);
      if (y2 >= h) {
        int over = y2 - h;
        y2 -= over;
        y1 -= over;
      }
      if (y1 < 0) {
        y2 -= y1;
        y1 = 0;
      }
      if (y2 >= h) y2 = h;
    } else {
      int diff = (int) ((y2 - y1) * ratio - (x2 - x1));
      x1 -= Math.floorDiv(diff, 2);
      x2 += diff - Math.floorDiv(diff, 2);
      if (x2 >= w) {
        int over = x2 - w;
        x2 -= over;
        x1 -= over;
      }
      if (x1 < 0) {
        x2 -= x1;
        x1 = 0;
      }
      if (x2 >= w) x2 = w;
    }
    return new int[] {x1, y1, x2, y2};
  }

  /** The part {x1, y1, x2, y2} (x2, y2 exclusive, inside the mask) of {@code mask}. */
  public static GrayImage crop(GrayImage mask, int[] box) {
    int cw = box[2] - box[0];
    int ch = box[3] - box[1];
    int[] out = new int[cw * ch];
    for (int y = 0; y < ch; y++)
      for (int x = 0; x < cw; x++) out[y * cw + x] = mask.get(box[0] + x, box[1] + y);
    return new GrayImage(cw, ch, out);
  }

  /**
   * diffusers 0.30.3's {@code VaeImageProcessor.apply_overlay(mask, original, generated, crop)} in
   * PIL's integer arithmetic, quirk included: the canvas has the generated picture's size; the
   * original and the mask are resized to it (Lanczos), {@code generated} is resized ("crop" mode)
   * to the crop's size and pasted at the crop's corner (coordinates of the original, clipped to the
   * canvas) onto a black canvas, then the resized original is alpha-composited over it with opacity
   * {@code 255 - mask} (premultiplied by a masked paste, unpremultiplied, composited as {@code
   * Image.alpha_composite}); RGB.
   *
   * @param original the init picture at its own size
   * @param mask the mask at the original's size (255 = repainted)
   * @param generated the decoded picture at the processing size
   * @param crop {x1, y1, x2, y2} from {@link #cropRegion}
   */
  public static BufferedImage pasteBack(
      BufferedImage original, GrayImage mask, BufferedImage generated, int[] crop) {
    int w = generated.getWidth();
    int h = generated.getHeight();
    int[] o = ResizeMode.JUST_RESIZE.fit(Alpha.drop(original), w, h).getRGB(0, 0, w, h, null, 0, w);
    GrayImage m = resize(mask, w, h);
    int cw = crop[2] - crop[0];
    int ch = crop[3] - crop[1];
    int[] g = ResizeMode.CROP_AND_RESIZE.fit(generated, cw, ch).getRGB(0, 0, cw, ch, null, 0, cw);
    int[] out = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        boolean inCrop = x >= crop[0] && x < crop[2] && y >= crop[1] && y < crop[3];
        int dst = inCrop ? g[(y - crop[1]) * cw + (x - crop[0])] & 0xffffff : 0;
        int dstA = 255; // the canvas goes through convert("RGB"): black and opaque outside the crop
        int srcA = 255 - m.get(x, y); // paste(..., mask=invert(mask)) onto transparent black
        if (srcA == 0) {
          out[i] = dst;
          continue;
        }
        int outA255 = srcA * 255 + dstA * (255 - srcA);
        long coef1 = (long) srcA * 255 * 255 * (1 << 7) / outA255;
        long coef2 = 255L * (1 << 7) - coef1;
        int px = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
          int premul = div255(((o[i] >> shift) & 255) * srcA);
          int src = srcA == 255 ? premul : Math.min(255, 255 * premul / srcA);
          long tmp = src * coef1 + ((dst >> shift) & 255) * coef2 + (0x80L << 7);
          px |= (int) ((((tmp >> 8) + tmp) >> 8) >> 7) << shift;
        }
        out[i] = px;
      }
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, w, h, out, 0, w);
    return img;
  }

  /** PIL's DIV255 rounding: {@code round(v / 255)} for v in 0..255*255. */
  private static int div255(int v) {
    int t = v + 128;
    return ((t >> 8) + t) >> 8;
  }
}
