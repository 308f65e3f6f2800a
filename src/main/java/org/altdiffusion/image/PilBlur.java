package org.altdiffusion.image;

/**
 * PIL's {@code ImageFilter.GaussianBlur(radius)}: not a Gaussian kernel but three passes of an
 * "extended" box blur (a box of fractional radius, Gwosdek et al. 2011) along the rows, then three
 * along the columns, in PIL's 8.24 fixed-point arithmetic; pixels past an edge repeat the edge.
 * Channels are blurred independently, as PIL does for every band of an RGBa picture.
 */
final class PilBlur {
  private static final int PASSES = 3;
  private static final long U32 = 0xffffffffL; // PIL computes in UINT32 and wraps

  private PilBlur() {}

  /** Every channel of {@code planes} blurred as PIL's GaussianBlur with {@code radius}. */
  static Planes gaussian(Planes planes, float radius) {
    if (!(radius >= 0))
      throw new IllegalArgumentException("blur radius must be >= 0, got " + radius);
    if (radius == 0) return planes.copy(); // ImageFilter.GaussianBlur returns a copy for 0
    float box = boxRadius(radius);
    int w = planes.width();
    int h = planes.height();
    byte[][] out = new byte[planes.channels().length][];
    for (int c = 0; c < out.length; c++) {
      byte[] v = planes.channels()[c].clone();
      if (box != 0) {
        for (int p = 0; p < PASSES; p++) rows(v, w, h, box);
        for (int p = 0; p < PASSES; p++) columns(v, w, h, box);
      }
      out[c] = v;
    }
    return new Planes(w, h, out);
  }

  /** {@code _gaussian_blur_radius}: the box radius whose passes have the Gaussian's variance. */
  static float boxRadius(float radius) {
    float sigma2 = radius * radius / PASSES;
    float boxLength = (float) Math.sqrt(12.0 * sigma2 + 1.0);
    float l = (float) Math.floor((boxLength - 1.0) / 2.0);
    float a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
    a /= 6 * (sigma2 - (l + 1) * (l + 1));
    return l + a;
  }

  private static void rows(byte[] v, int w, int h, float radius) {
    int[] line = new int[w];
    int[] out = new int[w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) line[x] = v[y * w + x] & 255;
      line(line, out, radius);
      for (int x = 0; x < w; x++) v[y * w + x] = (byte) out[x];
    }
  }

  private static void columns(byte[] v, int w, int h, float radius) {
    int[] line = new int[h];
    int[] out = new int[h];
    for (int x = 0; x < w; x++) {
      for (int y = 0; y < h; y++) line[y] = v[y * w + x] & 255;
      line(line, out, radius);
      for (int y = 0; y < h; y++) v[y * w + x] = (byte) out[y];
    }
  }

  /**
   * One pass of {@code ImagingLineBoxBlur8}: a running sum over {@code 2 r + 1} pixels (r the
   * integer radius) weighted {@code ww}, plus the two next pixels weighted {@code fw} (the
   * fractional part).
   */
  private static void line(int[] in, int[] out, float floatRadius) {
    int radius = (int) floatRadius;
    long ww = (long) (16777216f / (floatRadius * 2 + 1)) & U32;
    long fw = ((16777216L - (radius * 2L + 1) * ww) / 2) & U32;
    int lastx = in.length - 1;
    int edgeA = Math.min(radius + 1, in.length);
    int edgeB = Math.max(in.length - radius - 1, 0);
    long acc = (long) in[0] * (radius + 1);
    for (int x = 0; x < edgeA - 1; x++) acc += in[x];
    acc = (acc + (long) in[lastx] * (radius - edgeA + 1)) & U32;
    for (int x = 0; x <= lastx; x++) {
      // the pixel leaving the box, the one entering it, and the two at the fractional edges
      int subtract = x < edgeA ? 0 : x - radius - 1;
      int add = x < edgeB ? x + radius : lastx;
      int right = x < edgeB ? x + radius + 1 : lastx;
      acc = (acc + in[add] - in[subtract]) & U32;
      long bulk = (acc * ww + (long) (in[subtract] + in[right]) * fw) & U32;
      out[x] = (int) (((bulk + (1 << 23)) & U32) >>> 24) & 255;
    }
  }
}
