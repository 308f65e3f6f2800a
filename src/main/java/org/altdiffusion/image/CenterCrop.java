package org.altdiffusion.image;

import java.awt.image.BufferedImage;

/**
 * Training's square crop: the shorter side resized to the training size with an antialiased
 * triangle filter (as PIL's bilinear, in floats), then the centre square, as torchvision's {@code
 * Resize} + {@code CenterCrop}.
 */
public final class CenterCrop {
  private CenterCrop() {}

  /** [3, size, size] floats in [-1, 1] ({@code v / 127.5 - 1}) of an 8-bit RGB picture. */
  public static float[] pixels(BufferedImage rgb, int size) {
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    double scale = (double) size / Math.min(w, h);
    int rw = Math.max(size, (int) Math.round(w * scale));
    int rh = Math.max(size, (int) Math.round(h * scale));
    float[][] planes = new float[3][w * h];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      rgb.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        planes[0][y * w + x] = (row[x] >> 16) & 255;
        planes[1][y * w + x] = (row[x] >> 8) & 255;
        planes[2][y * w + x] = row[x] & 255;
      }
    }
    int left = (int) Math.round((rw - size) / 2.0);
    int top = (int) Math.round((rh - size) / 2.0);
    float[] out = new float[3 * size * size];
    for (int c = 0; c < 3; c++) {
      float[] resized = resize(planes[c], w, h, rw, rh);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          float v = Math.max(0f, Math.min(255f, resized[(y + top) * rw + x + left]));
          out[c * size * size + y * size + x] = v / 127.5f - 1f;
        }
      }
    }
    return out;
  }

  /** Separable resize with a triangle filter widened by the downscale factor (antialiasing). */
  static float[] resize(float[] src, int w, int h, int nw, int nh) {
    float[] horizontal = new float[nw * h];
    resample1d(src, w, h, nw, true, horizontal);
    float[] out = new float[nw * nh];
    resample1d(horizontal, nw, h, nh, false, out);
    return out;
  }

  private static void resample1d(float[] src, int w, int h, int n, boolean alongX, float[] dst) {
    int inLen = alongX ? w : h;
    int lines = alongX ? h : w;
    double scale = (double) inLen / n;
    double support = Math.max(1.0, scale);
    for (int o = 0; o < n; o++) {
      double center = (o + 0.5) * scale;
      int lo = Math.max(0, (int) Math.floor(center - support));
      int hi = Math.min(inLen - 1, (int) Math.ceil(center + support));
      double[] weights = new double[hi - lo + 1];
      double total = 0;
      for (int i = lo; i <= hi; i++) {
        double d = Math.abs(i + 0.5 - center) / support;
        double wgt = Math.max(0, 1 - d);
        weights[i - lo] = wgt;
        total += wgt;
      }
      for (int line = 0; line < lines; line++) {
        double acc = 0;
        for (int i = lo; i <= hi; i++) {
          double v = alongX ? src[line * w + i] : src[i * w + line];
          acc += v * weights[i - lo];
        }
        float value = (float) (total > 0 ? acc / total : 0);
        if (alongX) dst[line * n + o] = value;
        else dst[o * w + line] = value;
      }
    }
  }
}
