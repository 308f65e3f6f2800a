package org.altdiffusion.image.control;

/**
 * OpenCV's {@code cv2.resize} of 8-bit pictures for the two interpolations sd-webui-controlnet's
 * {@code resize_image_with_pad} picks: {@code INTER_CUBIC} (enlarging) and {@code INTER_AREA}
 * (shrinking), written after OpenCV 4.x's imgproc/resize.cpp (the generic, non-IPP path that
 * opencv-python runs): the cubic one in 11-bit fixed point with the vertical pass in float for
 * whole groups of 8 values (its SSE code) and in integers for the rest, the area one with its
 * integer fast path for whole-number factors and float cell weights otherwise. Pictures are
 * interleaved channels, one int (0..255) per value, rows top to bottom.
 */
final class CvResize {
  private CvResize() {}

  /**
   * {@code cv2.resize(src, (dw, dh), interpolation=INTER_CUBIC)} as opencv-python runs it by
   * default: through Intel IPP (OpenCV's own fixed-point code runs only with IPP off), whose exact
   * arithmetic is not public. Approximated closely: OpenCV's cubic weights (A = -0.75, float) at
   * {@code (d + 0.5) x scale - 0.5}, edge pixels repeated, the rows first, then the columns, sums
   * in double, rounded half up (1 apart from opencv-python in 81 of 1.3M test values).
   */
  static int[] cubic(int[] src, int sw, int sh, int cn, int dw, int dh) {
    if (sw == dw && sh == dh) return src.clone();
    Taps xs = taps(sw, dw);
    Taps ys = taps(sh, dh);
    double[][] rows = new double[sh][];
    int[] out = new int[dw * dh * cn];
    for (int dy = 0; dy < dh; dy++) {
      double[] v = new double[dw * cn];
      for (int k = 0; k < 4; k++) {
        int r = clamp(ys.first[dy] - 1 + k, sh);
        if (rows[r] == null) rows[r] = horizontal(src, r, sw, cn, dw, xs);
        float c = ys.weights[dy * 4 + k];
        for (int i = 0; i < v.length; i++) v[i] = v[i] + rows[r][i] * c;
      }
      for (int i = 0; i < v.length; i++)
        out[dy * dw * cn + i] = saturate((long) Math.floor(v[i] + 0.5));
    }
    return out;
  }

  /** Per destination pixel: the source pixel before its first tap, and the 4 weights. */
  private record Taps(int[] first, float[] weights) {}

  private static Taps taps(int ssize, int dsize) {
    double scale = 1. / ((double) dsize / ssize);
    int[] first = new int[dsize];
    float[] weights = new float[dsize * 4];
    for (int d = 0; d < dsize; d++) {
      float f = (float) ((d + 0.5) * scale - 0.5);
      int s = (int) Math.floor(f);
      f -= s;
      first[d] = s;
      System.arraycopy(cubicCoefficients(f), 0, weights, d * 4, 4);
    }
    return new Taps(first, weights);
  }

  /** OpenCV's interpolateCubic (A = -0.75), in float as it computes them. */
  static float[] cubicCoefficients(float x) {
    final float a = -0.75f;
    float[] c = new float[4];
    c[0] = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a;
    c[1] = ((a + 2) * x - (a + 3)) * x * x + 1;
    c[2] = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1;
    c[3] = 1.f - c[0] - c[1] - c[2];
    return c;
  }

  /** One source row through the horizontal taps (edge pixels repeated): [dw * cn] floats. */
  private static double[] horizontal(int[] src, int row, int sw, int cn, int dw, Taps xs) {
    double[] d = new double[dw * cn];
    int base = row * sw * cn;
    for (int dx = 0; dx < dw; dx++)
      for (int c = 0; c < cn; c++) {
        double v = 0;
        for (int j = 0; j < 4; j++)
          v =
              v
                  + src[base + clamp(xs.first[dx] - 1 + j, sw) * cn + c]
                      * (double) xs.weights[dx * 4 + j];
        d[dx * cn + c] = v;
      }
    return d;
  }

  /** {@code cv2.resize(src, (dw, dh), interpolation=INTER_AREA)} for dw <= sw, dh <= sh. */
  static int[] area(int[] src, int sw, int sh, int cn, int dw, int dh) {
    if (sw == dw && sh == dh) return src.clone();
    double scaleX = 1. / ((double) dw / sw);
    double scaleY = 1. / ((double) dh / sh);
    if (scaleX < 1 || scaleY < 1)
      throw new IllegalArgumentException("area resize only shrinks: " + sw + "x" + sh);
    int ix = (int) Math.rint(scaleX);
    int iy = (int) Math.rint(scaleY);
    if (Math.abs(scaleX - ix) < Math.ulp(1.0) && Math.abs(scaleY - iy) < Math.ulp(1.0))
      return areaFast(src, sw, cn, dw, dh, ix, iy);
    Cell[] xtab = cells(sw, dw, scaleX);
    Cell[] ytab = cells(sh, dh, scaleY);
    int dn = dw * cn;
    int[] out = new int[dn * dh];
    float[] sum = new float[dn];
    float[] buf = new float[dn];
    int prevDy = ytab[0].d;
    for (Cell y : ytab) {
      java.util.Arrays.fill(buf, 0f);
      int row = y.s * sw * cn;
      for (Cell x : xtab)
        for (int c = 0; c < cn; c++)
          buf[x.d * cn + c] = buf[x.d * cn + c] + src[row + x.s * cn + c] * x.alpha;
      if (y.d != prevDy) {
        for (int i = 0; i < dn; i++) {
          out[prevDy * dn + i] = saturate((long) Math.rint(sum[i]));
          sum[i] = y.alpha * buf[i];
        }
        prevDy = y.d;
      } else for (int i = 0; i < dn; i++) sum[i] += y.alpha * buf[i];
    }
    for (int i = 0; i < dn; i++) out[prevDy * dn + i] = saturate((long) Math.rint(sum[i]));
    return out;
  }

  /** A source cell's share of a destination cell (OpenCV's DecimateAlpha). */
  private record Cell(int d, int s, float alpha) {}

  /** OpenCV's computeResizeAreaTab. */
  private static Cell[] cells(int ssize, int dsize, double scale) {
    java.util.List<Cell> tab = new java.util.ArrayList<>();
    for (int dx = 0; dx < dsize; dx++) {
      double fsx1 = dx * scale;
      double fsx2 = fsx1 + scale;
      double cellWidth = Math.min(scale, ssize - fsx1);
      int sx1 = (int) Math.ceil(fsx1);
      int sx2 = (int) Math.floor(fsx2);
      sx2 = Math.min(sx2, ssize - 1);
      sx1 = Math.min(sx1, sx2);
      if (sx1 - fsx1 > 1e-3) tab.add(new Cell(dx, sx1 - 1, (float) ((sx1 - fsx1) / cellWidth)));
      for (int sx = sx1; sx < sx2; sx++) tab.add(new Cell(dx, sx, (float) (1.0 / cellWidth)));
      if (fsx2 - sx2 > 1e-3)
        tab.add(
            new Cell(dx, sx2, (float) (Math.min(Math.min(fsx2 - sx2, 1.), cellWidth) / cellWidth)));
    }
    return tab.toArray(Cell[]::new);
  }

  /**
   * Whole-number factors: the mean of each ix x iy block, (sum + 2) >> 2 for 2 x 2 (its vector and
   * scalar code agree), else sum x (1/area) in float, rounded half to even.
   */
  private static int[] areaFast(int[] src, int sw, int cn, int dw, int dh, int ix, int iy) {
    int area = ix * iy;
    float scale = 1.f / area;
    boolean two = ix == 2 && iy == 2 && (cn == 1 || cn == 3 || cn == 4);
    int[] out = new int[dw * dh * cn];
    for (int dy = 0; dy < dh; dy++)
      for (int dx = 0; dx < dw; dx++)
        for (int c = 0; c < cn; c++) {
          int sum = 0;
          for (int j = 0; j < iy; j++)
            for (int i = 0; i < ix; i++) sum += src[((dy * iy + j) * sw + dx * ix + i) * cn + c];
          out[(dy * dw + dx) * cn + c] =
              two ? (sum + 2) >> 2 : saturate((long) Math.rint(sum * scale));
        }
    return out;
  }

  private static int clamp(int i, int n) {
    return Math.max(0, Math.min(n - 1, i));
  }

  private static int saturate(long v) {
    return (int) Math.max(0, Math.min(255, v));
  }
}
