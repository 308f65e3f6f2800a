package org.altdiffusion.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;

/**
 * Any decoded picture to 8-bit RGB ({@code BufferedImage.TYPE_INT_RGB}): gray replicated to three
 * channels with no gamma change (as PIL's {@code convert("RGB")}; Java2D's {@code getRGB} would
 * brighten it), 16-bit samples rounded to 8 bits, palettes expanded, and transparency either
 * flattened onto a background or dropped.
 */
public final class Alpha {
  /** AUTOMATIC1111's default img2img background ({@code img2img_background_color}, #ffffff). */
  public static final int WHITE = 0xFFFFFF;

  private Alpha() {}

  /**
   * Composites the picture over {@code backgroundRgb} (0xRRGGBB): {@code round(c * a + bg * (1 -
   * a))} per channel, which is PIL's {@code paste(img, mask=img)} onto a background of that colour,
   * as AUTOMATIC1111's {@code images.flatten} does with 8-bit RGBA. Any alpha (gray + alpha,
   * palettes with transparency, 16-bit) is flattened the same way. A {@code TYPE_INT_RGB} picture
   * is returned as it is.
   */
  public static BufferedImage flatten(BufferedImage image, int backgroundRgb) {
    return toRgb(image, backgroundRgb, true);
  }

  /**
   * The colours with the alpha ignored, as PIL's {@code convert("RGB")} (diffusers' {@code
   * load_image}): fully transparent pixels show whatever colour they hold.
   */
  public static BufferedImage drop(BufferedImage image) {
    return toRgb(image, 0, false);
  }

  private static BufferedImage toRgb(BufferedImage image, int background, boolean useAlpha) {
    if (image.getType() == BufferedImage.TYPE_INT_RGB) return image;
    double[] bg = {(background >> 16) & 255, (background >> 8) & 255, background & 255};
    int w = image.getWidth();
    int h = image.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    boolean component = cm instanceof ComponentColorModel;
    int csType = cm.getColorSpace().getType();
    boolean gray = component && csType == ColorSpace.TYPE_GRAY;
    boolean rgb = component && csType == ColorSpace.TYPE_RGB && cm.getColorSpace().isCS_sRGB();
    if (gray || rgb) {
      int bands = raster.getNumBands();
      int colourBands = gray ? 1 : 3;
      boolean alpha = useAlpha && cm.hasAlpha();
      int bits = cm.getComponentSize(0);
      double max = (1L << bits) - 1;
      int[] px = new int[bands];
      int[] c = new int[3];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          raster.getPixel(x, y, px);
          double a =
              alpha ? px[colourBands] / ((1L << cm.getComponentSize(colourBands)) - 1.0) : 1.0;
          for (int i = 0; i < 3; i++) {
            double v = px[gray ? 0 : i] / max * 255.0;
            c[i] = clamp(v * a + bg[i] * (1 - a));
          }
          out.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
        }
      }
      return out;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = image.getRGB(x, y);
        double a = useAlpha ? (argb >>> 24) / 255.0 : 1.0;
        int r = clamp(((argb >> 16) & 255) * a + bg[0] * (1 - a));
        int g = clamp(((argb >> 8) & 255) * a + bg[1] * (1 - a));
        int b = clamp((argb & 255) * a + bg[2] * (1 - a));
        out.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return out;
  }

  /** Rounded (half up) and clamped to 0..255. */
  static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }
}
