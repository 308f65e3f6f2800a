package org.altdiffusion.image;

/**
 * PIL's {@code Image.resize(size, filter, box)} for 8-bit pictures, bit for bit (Resample.c): a
 * separable convolution whose filter widens with the downscale factor, coefficients normalised then
 * rounded to 22-bit fixed point, each pass rounded and clipped to 8 bits. The horizontal pass runs
 * first, as in Pillow up to 12 (AUTOMATIC1111 pins Pillow 9.5.0); Pillow 13 may run the vertical
 * pass first and then differs by rounding.
 */
final class PilResize {
  private static final int PRECISION_BITS = 32 - 8 - 2;

  /** PIL's resampling filters (those the package uses). */
  enum Filter {
    BILINEAR(1.0),
    BICUBIC(2.0),
    LANCZOS(3.0);

    final double support;

    Filter(double support) {
      this.support = support;
    }

    double weight(double x) {
      return switch (this) {
        case BILINEAR -> {
          double ax = Math.abs(x);
          yield ax < 1.0 ? 1.0 - ax : 0.0;
        }
        case BICUBIC -> {
          double a = -0.5;
          double ax = Math.abs(x);
          if (ax < 1.0) yield ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1;
          if (ax < 2.0) yield (((ax - 5) * ax + 8) * ax - 4) * a;
          yield 0.0;
        }
        case LANCZOS -> -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
      };
    }

    private static double sinc(double x) {
      if (x == 0.0) return 1.0;
      double px = x * Math.PI;
      return StrictMath.sin(px) / px;
    }
  }

  private PilResize() {}

  /** {@code resize((width, height), filter)} of the whole picture. */
  static Planes resize(Planes in, int width, int height, Filter filter) {
    return resize(in, width, height, filter, 0, 0, in.width(), in.height());
  }

  /**
   * {@code resize((width, height), filter, box=(x0, y0, x1, y1))}: the box of the source (it may be
   * empty along an axis, which stretches the edge it sits on) onto {@code width x height}.
   */
  static Planes resize(
      Planes in, int width, int height, Filter filter, double x0, double y0, double x1, double y1) {
    if (width < 1 || height < 1)
      throw new IllegalArgumentException(
          "a resize needs a positive size, got " + width + "x" + height);
    if (x0 < 0 || y0 < 0 || x1 > in.width() || y1 > in.height() || x1 < x0 || y1 < y0)
      throw new IllegalArgumentException(
          "box (" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ") is not inside the picture");
    boolean integerBox = x0 == Math.floor(x0) && y0 == Math.floor(y0);
    if (integerBox && x1 - x0 == width && y1 - y0 == height)
      return crop(in, (int) x0, (int) y0, width, height);
    boolean horizontal = width != in.width() || x0 != 0 || x1 != width;
    boolean vertical = height != in.height() || y0 != 0 || y1 != height;
    Planes out = in;
    if (horizontal) out = pass(out, width, coefficients(in.width(), x0, x1, width, filter), true);
    if (vertical) out = pass(out, height, coefficients(in.height(), y0, y1, height, filter), false);
    return out == in ? in.copy() : out;
  }

  /**
   * {@link #resize(Planes, int, int, Filter)} with the vertical pass first, as Pillow 13 does for
   * some sizes: the same filters, rounded and clipped to 8 bits in the other order.
   */
  static Planes resizeVerticalFirst(Planes in, int width, int height, Filter filter) {
    Planes out = in;
    if (height != in.height())
      out = pass(out, height, coefficients(in.height(), 0, in.height(), height, filter), false);
    if (width != in.width())
      out = pass(out, width, coefficients(in.width(), 0, in.width(), width, filter), true);
    return out == in ? in.copy() : out;
  }

  private static Planes crop(Planes in, int x, int y, int width, int height) {
    Planes out = Planes.black(width, height, in.channels().length);
    out.paste(in, -x, -y);
    return out;
  }

  /** For each output pixel: first source pixel, count, and {@code size} fixed-point weights. */
  private record Coefficients(int[] first, int[] count, int[] weights, int size) {}

  private static Coefficients coefficients(
      int inSize, double in0, double in1, int outSize, Filter filter) {
    double scale = (in1 - in0) / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = filter.support * filterScale;
    int size = (int) Math.ceil(support) * 2 + 1;
    int[] first = new int[outSize];
    int[] count = new int[outSize];
    int[] weights = new int[outSize * size];
    double[] k = new double[size];
    double ss = 1.0 / filterScale;
    for (int xx = 0; xx < outSize; xx++) {
      double center = in0 + (xx + 0.5) * scale;
      int xmin = Math.max(0, (int) (center - support + 0.5));
      int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
      double ww = 0.0;
      for (int x = 0; x < xmax; x++) {
        k[x] = filter.weight((x + xmin - center + 0.5) * ss);
        ww += k[x];
      }
      for (int x = 0; x < xmax; x++) {
        double v = ww != 0.0 ? k[x] / ww : k[x];
        weights[xx * size + x] =
            v < 0
                ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                : (int) (0.5 + v * (1 << PRECISION_BITS));
      }
      first[xx] = xmin;
      count[xx] = Math.max(0, xmax);
    }
    return new Coefficients(first, count, weights, size);
  }

  private static Planes pass(Planes in, int outSize, Coefficients k, boolean alongX) {
    int w = in.width();
    int h = in.height();
    int ow = alongX ? outSize : w;
    int oh = alongX ? h : outSize;
    byte[][] out = new byte[in.channels().length][ow * oh];
    int[] acc = new int[w];
    for (int c = 0; c < out.length; c++) {
      byte[] src = in.channels()[c];
      byte[] dst = out[c];
      if (alongX) {
        for (int y = 0; y < h; y++) {
          for (int o = 0; o < outSize; o++) {
            int at = y * w + k.first[o];
            int base = o * k.size;
            int ss = 1 << (PRECISION_BITS - 1);
            for (int i = 0; i < k.count[o]; i++) ss += (src[at + i] & 255) * k.weights[base + i];
            dst[y * ow + o] = clip8(ss);
          }
        }
      } else {
        // row by row: the same integer sums as PIL's column loop, in memory order
        for (int o = 0; o < outSize; o++) {
          java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
          for (int i = 0; i < k.count[o]; i++) {
            int weight = k.weights[o * k.size + i];
            int row = (k.first[o] + i) * w;
            for (int x = 0; x < w; x++) acc[x] += (src[row + x] & 255) * weight;
          }
          for (int x = 0; x < w; x++) dst[o * w + x] = clip8(acc[x]);
        }
      }
    }
    return new Planes(ow, oh, out);
  }

  private static byte clip8(int ss) {
    int v = ss >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }
}
