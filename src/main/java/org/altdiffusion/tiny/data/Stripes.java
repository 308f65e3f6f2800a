package org.altdiffusion.tiny.data;

import java.awt.image.BufferedImage;

/**
 * The demo LoRA's style, a look the shapes dataset never has: the background in vertical stripes,
 * bands of {@value #BAND} pixels alternately as drawn and darkened by {@value #DARKEN} levels
 * (still light and grey, so the {@link ShapeOracle} reads the shape as before). Bands of 16 pixels
 * (4 latent pixels): the built-in VAE keeps about 20 of the 24 levels through encode and decode,
 * where it blurs 8-pixel bands to about half. {@link #render} draws a scene so; {@link #contrast}
 * measures how striped a picture's background is.
 */
public final class Stripes {
  /** Width of one band in pixels; a stripe period is two bands. */
  public static final int BAND = 16;

  /** How much darker the dark bands are, per channel. */
  public static final int DARKEN = 24;

  /**
   * A picture whose {@link #contrast} is at least this has striped background; the drawn stripes
   * measure {@value #DARKEN}, the dataset's own backgrounds less (see StripesTest).
   */
  public static final double PRESENT = 12;

  private Stripes() {}

  /** {@code scene} drawn on its background in stripes. */
  public static BufferedImage render(Scene scene) {
    int side = Scene.SIDE;
    double[] background = ShapeRenderer.background(scene.background(), side);
    for (int y = 0; y < side; y++)
      for (int x = 0; x < side; x++)
        if ((x / BAND) % 2 == 1)
          for (int c = 0; c < 3; c++) background[3 * (y * side + x) + c] -= DARKEN;
    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, side, side, ShapeRenderer.renderRgb(scene, background), 0, side);
    return img;
  }

  /**
   * The stripes' contrast in a 64x64 picture, in levels: over the background-like pixels (light and
   * nearly grey, as the oracle takes them) the mean grey level of each column; then, over the
   * {@code 2 * BAND} phases of a square wave of period {@code 2 * BAND}, the largest difference
   * between the mean of the columns in its light half and in its dark half. Stripes as drawn give
   * {@value #DARKEN}; a plain background 0, a gradient about its range / 8.
   */
  public static double contrast(BufferedImage image) {
    int side = image.getWidth();
    double[] sum = new double[side];
    int[] count = new int[side];
    for (int y = 0; y < image.getHeight(); y++)
      for (int x = 0; x < side; x++) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
        int min = Math.min(r, Math.min(g, b));
        int max = Math.max(r, Math.max(g, b));
        if (min < ShapeOracle.LIGHT_MIN - DARKEN || max - min > ShapeOracle.GREY_SPREAD_MAX)
          continue; // the shape, or its edge
        sum[x] += (r + g + b) / 3.0;
        count[x]++;
      }
    double[] level = detrended(sum, count);
    double best = 0;
    for (int phase = 0; phase < 2 * BAND; phase++) {
      double light = 0, dark = 0;
      int nLight = 0, nDark = 0;
      for (int x = 0; x < side; x++) {
        if (count[x] == 0) continue;
        double mean = level[x];
        if (((x + phase) / BAND) % 2 == 0) {
          light += mean;
          nLight++;
        } else {
          dark += mean;
          nDark++;
        }
      }
      if (nLight > 0 && nDark > 0) best = Math.max(best, light / nLight - dark / nDark);
    }
    return best;
  }

  /** Each column's mean level less the least-squares line through the columns that have one. */
  private static double[] detrended(double[] sum, int[] count) {
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int x = 0; x < sum.length; x++) {
      if (count[x] == 0) continue;
      double y = sum[x] / count[x];
      n++;
      sx += x;
      sy += y;
      sxx += (double) x * x;
      sxy += x * y;
    }
    double denominator = n * sxx - sx * sx;
    double slope = denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
    double intercept = n == 0 ? 0 : (sy - slope * sx) / n;
    double[] out = new double[sum.length];
    for (int x = 0; x < sum.length; x++)
      if (count[x] > 0) out[x] = sum[x] / count[x] - (intercept + slope * x);
    return out;
  }
}
