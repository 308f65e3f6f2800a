package org.altdiffusion.image.control;

import java.awt.image.BufferedImage;
import java.util.function.UnaryOperator;
import org.altdiffusion.image.ResizeMode;

/**
 * sd-webui-controlnet's preprocessor resolution (scripts/utils.py {@code resize_image_with_pad},
 * internal_controlnet/external_code.py {@code pixel_perfect_resolution}, commit 56cec5b): the
 * picture's short side scaled to the resolution with OpenCV ({@code INTER_CUBIC} when it grows,
 * {@code INTER_AREA} otherwise; each side {@code round(side x k)}, half to even), its right and
 * bottom edges repeated to a multiple of 64, the preprocessor run, the padding cut off again.
 */
public final class ProcessorResolution {
  private ProcessorResolution() {}

  /** The resolutions a unit may ask for (the extension's slider: 64..2048). */
  public static final int MIN = 64;

  public static final int MAX = 2048;

  /** {@code op} run on {@code rgb} at {@code resolution}, as the extension's canny/threshold. */
  public static BufferedImage around(
      BufferedImage rgb, int resolution, UnaryOperator<BufferedImage> op) {
    if (resolution < 1)
      throw new IllegalArgumentException(
          "processor resolution must be a positive number of pixels, got " + resolution);
    int h = rgb.getHeight();
    int w = rgb.getWidth();
    double k = (double) resolution / (double) Math.min(h, w);
    int ht = (int) Math.rint((double) h * k);
    int wt = (int) Math.rint((double) w * k);
    int[] src = interleaved(rgb);
    int[] resized =
        k > 1 ? CvResize.cubic(src, w, h, 3, wt, ht) : CvResize.area(src, w, h, 3, wt, ht);
    BufferedImage padded = edgePadded(resized, wt, ht, pad64(wt), pad64(ht));
    BufferedImage out = op.apply(padded);
    return copy(out.getSubimage(0, 0, wt, ht));
  }

  /**
   * pixel_perfect_resolution: the raw picture's short side times the factor that fits it to the
   * target (the smaller factor for Resize and Fill, the larger otherwise), rounded half to even.
   */
  public static int pixelPerfect(
      int rawWidth, int rawHeight, int targetWidth, int targetHeight, ResizeMode mode) {
    double k0 = (double) targetHeight / (double) rawHeight;
    double k1 = (double) targetWidth / (double) rawWidth;
    double k = mode == ResizeMode.RESIZE_AND_FILL ? Math.min(k0, k1) : Math.max(k0, k1);
    return (int) Math.rint(k * (double) Math.min(rawHeight, rawWidth));
  }

  /** The extension's pad64: what brings x up to a multiple of 64. */
  static int pad64(int x) {
    return (int) (Math.ceil(x / 64.0) * 64 - x);
  }

  /** [h, w, 3] values of an RGB picture. */
  static int[] interleaved(BufferedImage rgb) {
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    int[] p = rgb.getRGB(0, 0, w, h, null, 0, w);
    int[] out = new int[p.length * 3];
    for (int i = 0; i < p.length; i++) {
      out[3 * i] = (p[i] >> 16) & 255;
      out[3 * i + 1] = (p[i] >> 8) & 255;
      out[3 * i + 2] = p[i] & 255;
    }
    return out;
  }

  /** np.pad(img, [[0, padH], [0, padW], [0, 0]], mode="edge") as an RGB picture. */
  private static BufferedImage edgePadded(int[] v, int w, int h, int padW, int padH) {
    int pw = w + padW;
    int ph = h + padH;
    int[] p = new int[pw * ph];
    for (int y = 0; y < ph; y++)
      for (int x = 0; x < pw; x++) {
        int i = (Math.min(y, h - 1) * w + Math.min(x, w - 1)) * 3;
        p[y * pw + x] = v[i] << 16 | v[i + 1] << 8 | v[i + 2];
      }
    BufferedImage out = new BufferedImage(pw, ph, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, pw, ph, p, 0, pw);
    return out;
  }

  private static BufferedImage copy(BufferedImage sub) {
    int w = sub.getWidth();
    int h = sub.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, sub.getRGB(0, 0, w, h, null, 0, w), 0, w);
    return out;
  }
}
