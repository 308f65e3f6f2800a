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
   * AUTOMATIC1111's overlay of an inpainting result: the original pasted back over the generated
   * picture with opacity {@code 1 - m}, where {@code m = min(2 * mask, 255) / 255} (A1111's {@code
   * mask_for_overlay}), each channel rounded to the nearest integer (PIL's premultiplied integer
   * arithmetic may differ from this by one level).
   *
   * @param original the init picture
   * @param generated the decoded result, the same size
   * @param mask the mask the generation used (inverted and blurred), the same size
   */
  public static BufferedImage overlay(
      BufferedImage original, BufferedImage generated, GrayImage mask) {
    int w = generated.getWidth();
    int h = generated.getHeight();
    if (original.getWidth() != w
        || original.getHeight() != h
        || mask.width() != w
        || mask.height() != h)
      throw new IllegalArgumentException(
          "overlay needs one size: original "
              + original.getWidth()
              + "x"
              + original.getHeight()
              + ", generated "
              + w
              + "x"
              + h
              + ", mask "
              + mask.width()
              + "x"
              + mask.height());
    int[] o = Alpha.drop(original).getRGB(0, 0, w, h, null, 0, w);
    int[] g = generated.getRGB(0, 0, w, h, null, 0, w);
    int[] m = mask.values();
    int[] out = new int[w * h];
    for (int i = 0; i < out.length; i++) {
      double a = Math.min(2 * m[i], 255) / 255.0; // weight of the generated picture
      int px = 0;
      for (int shift = 16; shift >= 0; shift -= 8) {
        int ov = (o[i] >> shift) & 255;
        int gv = (g[i] >> shift) & 255;
        px |= ((int) Math.round(ov * (1 - a) + gv * a)) << shift;
      }
      out[i] = px;
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, w, h, out, 0, w);
    return img;
  }
}
