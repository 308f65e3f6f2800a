package org.altdiffusion.image;

/**
 * OpenCV's {@code cv2.GaussianBlur} of an 8-bit picture along one axis, bit for bit: its
 * "bit-exact" fixed-point path (OpenCV 4.x, {@code smooth.dispatch.cpp}). The kernel is the sampled
 * Gaussian normalised to 1, rounded to 1/256 with error diffusion from the ends, the centre taking
 * what is left; each output is {@code (sum(k * p) + 128) >> 8} over the picture reflected at its
 * edges without repeating them (BORDER_REFLECT_101, OpenCV's default).
 */
final class GaussianBlur {
  private GaussianBlur() {}

  /** {@code ksize} fixed-point taps (sum 256) of {@code getGaussianKernel(ksize, sigma)}. */
  static int[] kernel(int ksize, double sigma) {
    if (ksize < 1 || ksize % 2 == 0 || !(sigma > 0))
      throw new IllegalArgumentException(
          "a Gaussian kernel needs an odd size and sigma > 0, got " + ksize + ", " + sigma);
    int half = (ksize - 1) / 2;
    double scale2 = -0.125 / (sigma * sigma);
    double[] values = new double[half];
    double sum = 0;
    for (int i = 0, x = 1 - ksize; i < half; i++, x += 2) {
      values[i] = StrictMath.exp((double) (x * x) * scale2);
      sum += values[i];
    }
    sum = sum * 2 + 1;
    double mul = 1 / sum;
    int[] k = new int[ksize];
    double err = 0;
    int total = 0;
    for (int i = 0; i < half; i++) {
      double adjusted = values[i] * mul * 256 + err;
      int v = (int) Math.rint(adjusted);
      err = adjusted - v;
      k[i] = v;
      k[ksize - 1 - i] = v;
      total += v;
    }
    k[half] = 256 - 2 * total;
    return k;
  }

  /** Blurred along rows ({@code alongX}) or columns with {@code kernel}. */
  static GrayImage blur(GrayImage in, int[] kernel, boolean alongX) {
    int w = in.width();
    int h = in.height();
    int len = alongX ? w : h;
    int lines = alongX ? h : w;
    int r = kernel.length / 2;
    int[] src = in.values();
    int[] out = new int[src.length];
    int[] index = new int[kernel.length];
    for (int o = 0; o < len; o++) {
      for (int i = 0; i < kernel.length; i++) index[i] = reflect101(o - r + i, len);
      for (int line = 0; line < lines; line++) {
        int sum = 0;
        for (int i = 0; i < kernel.length; i++) {
          int at = alongX ? line * w + index[i] : index[i] * w + line;
          sum += kernel[i] * src[at];
        }
        out[alongX ? line * w + o : o * w + line] = Math.min(255, (sum + 128) >> 8);
      }
    }
    return new GrayImage(w, h, out);
  }

  /** OpenCV's {@code borderInterpolate} for BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba). */
  static int reflect101(int p, int len) {
    if (len == 1) return 0;
    while (p < 0 || p >= len) p = p < 0 ? -p : 2 * (len - 1) - p;
    return p;
  }
}
