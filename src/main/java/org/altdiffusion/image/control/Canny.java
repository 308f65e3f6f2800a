package org.altdiffusion.image.control;

import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import org.altdiffusion.image.GrayImage;

/**
 * OpenCV's {@code cv2.Canny(image, threshold1, threshold2, apertureSize=3, L2gradient)} on 8-bit
 * pictures, pixel for pixel: 3x3 Sobel derivatives with replicated borders, per pixel the channel
 * with the largest gradient magnitude (the first on ties), magnitude {@code |dx| + |dy|} or (L2)
 * {@code dx^2 + dy^2} against squared thresholds, non-maximum suppression along the gradient's
 * sector (tan 22.5 degrees in 15-bit fixed point, rows and columns outside the picture counting as
 * zero), then hysteresis: candidates above the low threshold that are 8-connected to a pixel above
 * the high one. Thresholds are swapped when low > high and floored to integers, as OpenCV does.
 * sd-webui-controlnet's "canny" module calls it on the RGB picture directly (no blur).
 */
public final class Canny {
  private Canny() {}

  private static final int SHIFT = 15;
  private static final int TG22 = (int) (0.4142135623730950488016887242097 * (1 << SHIFT) + 0.5);

  /** Edges of an 8-bit RGB picture (its three channels, as OpenCV's 3-channel input). */
  public static GrayImage edges(BufferedImage rgb, double low, double high, boolean l2) {
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    int[] packed = rgb.getRGB(0, 0, w, h, null, 0, w);
    int[][] channels = new int[3][w * h];
    for (int i = 0; i < packed.length; i++) {
      channels[0][i] = (packed[i] >> 16) & 255;
      channels[1][i] = (packed[i] >> 8) & 255;
      channels[2][i] = packed[i] & 255;
    }
    return edges(channels, w, h, low, high, l2);
  }

  /** Edges of a one-channel 8-bit picture. */
  public static GrayImage edges(GrayImage gray, double low, double high, boolean l2) {
    return edges(new int[][] {gray.values()}, gray.width(), gray.height(), low, high, l2);
  }

  private static GrayImage edges(
      int[][] channels, int w, int h, double lowThreshold, double highThreshold, boolean l2) {
    if (!(lowThreshold >= 0) || !(highThreshold >= 0))
      throw new IllegalArgumentException(
          "Canny thresholds must be numbers >= 0, got " + lowThreshold + " and " + highThreshold);
    double lo = Math.min(lowThreshold, highThreshold);
    double hi = Math.max(lowThreshold, highThreshold);
    if (l2) {
      lo = Math.min(32767.0, lo);
      hi = Math.min(32767.0, hi);
      if (lo > 0) lo *= lo;
      if (hi > 0) hi *= hi;
    }
    int low = (int) Math.floor(lo);
    int high = (int) Math.floor(hi);
    int[] dx = new int[w * h];
    int[] dy = new int[w * h];
    int[] mag = new int[w * h];
    gradients(channels, w, h, l2, dx, dy, mag);
    byte[] map = suppressed(w, h, dx, dy, mag, low, high);
    return hysteresis(map, w, h);
  }

  /**
   * Per pixel the Sobel derivatives and magnitude of the channel with the largest magnitude (ties:
   * the first).
   */
  private static void gradients(
      int[][] channels, int w, int h, boolean l2, int[] dx, int[] dy, int[] mag) {
    for (int y = 0; y < h; y++) {
      int up = Math.max(y - 1, 0) * w;
      int row = y * w;
      int down = Math.min(y + 1, h - 1) * w;
      for (int x = 0; x < w; x++) {
        int left = Math.max(x - 1, 0);
        int right = Math.min(x + 1, w - 1);
        int best = -1;
        for (int[] c : channels) {
          int gx =
              (c[up + right] - c[up + left])
                  + 2 * (c[row + right] - c[row + left])
                  + (c[down + right] - c[down + left]);
          int gy =
              (c[down + left] - c[up + left])
                  + 2 * (c[down + x] - c[up + x])
                  + (c[down + right] - c[up + right]);
          int m = l2 ? gx * gx + gy * gy : Math.abs(gx) + Math.abs(gy);
          if (m > best) {
            best = m;
            dx[row + x] = gx;
            dy[row + x] = gy;
          }
        }
        mag[row + x] = best;
      }
    }
  }

  /** 0: candidate, 1: not an edge, 2: strong edge (OpenCV's map values). */
  private static byte[] suppressed(int w, int h, int[] dx, int[] dy, int[] mag, int low, int high) {
    byte[] map = new byte[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        int m = mag[i];
        map[i] = 1;
        if (m <= low || !localMaximum(w, h, x, y, dx[i], dy[i], m, mag)) continue;
        map[i] = (byte) (m > high ? 2 : 0);
      }
    }
    return map;
  }

  private static boolean localMaximum(
      int w, int h, int x, int y, int xs, int ys, int m, int[] mag) {
    int ax = Math.abs(xs);
    int ay = Math.abs(ys) << SHIFT;
    int tg22x = ax * TG22;
    if (ay < tg22x) return m > at(mag, w, h, x - 1, y) && m >= at(mag, w, h, x + 1, y);
    int tg67x = tg22x + (ax << (SHIFT + 1));
    if (ay > tg67x) return m > at(mag, w, h, x, y - 1) && m >= at(mag, w, h, x, y + 1);
    int s = (xs ^ ys) < 0 ? -1 : 1;
    return m > at(mag, w, h, x - s, y - 1) && m > at(mag, w, h, x + s, y + 1);
  }

  /** The magnitude at (x, y), zero outside the picture. */
  private static int at(int[] mag, int w, int h, int x, int y) {
    return x < 0 || y < 0 || x >= w || y >= h ? 0 : mag[y * w + x];
  }

  /** Candidates 8-connected to strong edges become edges (255); everything else 0. */
  private static GrayImage hysteresis(byte[] map, int w, int h) {
    ArrayDeque<Integer> stack = new ArrayDeque<>();
    for (int i = 0; i < map.length; i++) if (map[i] == 2) stack.push(i);
    while (!stack.isEmpty()) {
      int i = stack.pop();
      int x = i % w;
      int y = i / w;
      for (int ny = y - 1; ny <= y + 1; ny++) {
        for (int nx = x - 1; nx <= x + 1; nx++) {
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          int j = ny * w + nx;
          if (map[j] == 0) {
            map[j] = 2;
            stack.push(j);
          }
        }
      }
    }
    int[] out = new int[w * h];
    for (int i = 0; i < out.length; i++) out[i] = map[i] == 2 ? 255 : 0;
    return new GrayImage(w, h, out);
  }
}
