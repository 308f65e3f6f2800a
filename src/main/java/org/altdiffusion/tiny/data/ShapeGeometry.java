package org.altdiffusion.tiny.data;

import java.util.EnumMap;
import java.util.Map;

/**
 * The shapes as exact outlines in "units", with their area centroid at the origin and y growing
 * downwards (image convention), and an anti-aliased rasteriser for them. Coverage is exact along x
 * (interval lengths) and sampled along y ({@code rowSamples} lines per pixel row); everything is
 * plain double arithmetic with {@link StrictMath}, so pictures are bit-identical on every JVM.
 *
 * <p>Sizes in units (circumradius about the centroid): circle 1, square 1.13 (half-side 0.8),
 * triangle 1.2, star 1.2 (inner radius 0.5), heart 1.1. The largest, 1.2, times the largest scale
 * (12 * 1.07) plus the largest shift (2) stays inside the 18 pixels between a side anchor and the
 * edge.
 */
public final class ShapeGeometry {
  private static final int HEART_VERTICES = 72;
  private static final Map<Shape, double[][]> POLYGONS = new EnumMap<>(Shape.class);
  private static final Map<Shape, Double> AREAS = new EnumMap<>(Shape.class);
  private static final Map<Shape, Double> RADII = new EnumMap<>(Shape.class);

  static {
    POLYGONS.put(
        Shape.SQUARE, centred(new double[][] {{-0.8, 0.8, 0.8, -0.8}, {-0.8, -0.8, 0.8, 0.8}}));
    POLYGONS.put(Shape.TRIANGLE, centred(regular(3, 1.2, 1.2)));
    POLYGONS.put(Shape.STAR, centred(regular(5, 1.2, 0.5)));
    POLYGONS.put(Shape.HEART, normalised(heart(), 1.1));
    AREAS.put(Shape.CIRCLE, StrictMath.PI);
    RADII.put(Shape.CIRCLE, 1.0);
    for (Map.Entry<Shape, double[][]> e : POLYGONS.entrySet()) {
      AREAS.put(e.getKey(), Math.abs(signedArea(e.getValue())));
      RADII.put(e.getKey(), circumradius(e.getValue()));
    }
  }

  private ShapeGeometry() {}

  /** Area of the shape in square units (multiply by scale^2 for pixels). */
  public static double unitArea(Shape shape) {
    return AREAS.get(shape);
  }

  /** Largest distance from the centroid to the outline, in units. */
  public static double circumradius(Shape shape) {
    return RADII.get(shape);
  }

  /**
   * Anti-aliased coverage in [0, 1] of {@code shape} drawn with its centroid at (cx, cy) pixels,
   * {@code scale} pixels per unit and rotated {@code rotationDegrees} clockwise, on a side x side
   * canvas, row-major. Only the shape's bounding rows are visited.
   */
  public static float[] coverage(
      Shape shape,
      double cx,
      double cy,
      double scale,
      double rotationDegrees,
      int side,
      int rowSamples) {
    float[] out = new float[side * side];
    addCoverage(out, shape, cx, cy, scale, rotationDegrees, side, rowSamples);
    return out;
  }

  static void addCoverage(
      float[] out,
      Shape shape,
      double cx,
      double cy,
      double scale,
      double rotationDegrees,
      int side,
      int rowSamples) {
    double reach = circumradius(shape) * scale + 1;
    int firstRow = Math.max(0, (int) StrictMath.floor(cy - reach));
    int lastRow = Math.min(side - 1, (int) StrictMath.ceil(cy + reach));
    double[] row = new double[side];
    double[][] pixelPolygon =
        shape == Shape.CIRCLE ? null : place(POLYGONS.get(shape), cx, cy, scale, rotationDegrees);
    double[] crossings = new double[pixelPolygon == null ? 2 : pixelPolygon[0].length];
    double weight = 1.0 / rowSamples;
    for (int py = firstRow; py <= lastRow; py++) {
      java.util.Arrays.fill(row, 0);
      for (int k = 0; k < rowSamples; k++) {
        double y = py + (k + 0.5) / rowSamples;
        int n;
        if (pixelPolygon == null) {
          double dy = y - cy;
          double r2 = scale * scale - dy * dy;
          if (r2 <= 0) continue;
          double half = StrictMath.sqrt(r2);
          crossings[0] = cx - half;
          crossings[1] = cx + half;
          n = 2;
        } else {
          n = crossings(pixelPolygon, y, crossings);
        }
        for (int i = 0; i + 1 < n; i += 2) addSpan(row, crossings[i], crossings[i + 1], weight);
      }
      for (int px = 0; px < side; px++) out[py * side + px] += (float) row[px];
    }
  }

  /**
   * Adds {@code weight} times the overlap of [x0, x1] with each pixel [px, px + 1) to {@code row}.
   */
  private static void addSpan(double[] row, double x0, double x1, double weight) {
    double a = Math.max(0, x0);
    double b = Math.min(row.length, x1);
    if (b <= a) return;
    int first = (int) a;
    int last = Math.min(row.length - 1, (int) b);
    for (int px = first; px <= last; px++) {
      double overlap = Math.min(b, px + 1) - Math.max(a, px);
      if (overlap > 0) row[px] += weight * overlap;
    }
  }

  /**
   * x of every edge crossing of the horizontal line at y, sorted (even-odd pairs are inside spans).
   */
  private static int crossings(double[][] polygon, double y, double[] out) {
    double[] xs = polygon[0];
    double[] ys = polygon[1];
    int n = 0;
    for (int i = 0, j = xs.length - 1; i < xs.length; j = i++) {
      if ((ys[i] <= y) != (ys[j] <= y)) {
        double x = xs[j] + (y - ys[j]) * (xs[i] - xs[j]) / (ys[i] - ys[j]);
        int k = n++;
        while (k > 0 && out[k - 1] > x) {
          out[k] = out[k - 1];
          k--;
        }
        out[k] = x;
      }
    }
    return n;
  }

  /** The unit polygon rotated clockwise, scaled and moved so its origin lands on (cx, cy). */
  private static double[][] place(
      double[][] unit, double cx, double cy, double scale, double rotationDegrees) {
    double angle = StrictMath.toRadians(rotationDegrees);
    double cos = StrictMath.cos(angle);
    double sin = StrictMath.sin(angle);
    int n = unit[0].length;
    double[][] out = new double[2][n];
    for (int i = 0; i < n; i++) {
      double ux = unit[0][i];
      double uy = unit[1][i];
      // y grows downwards, so this standard rotation matrix turns clockwise on screen
      out[0][i] = cx + scale * (ux * cos - uy * sin);
      out[1][i] = cy + scale * (ux * sin + uy * cos);
    }
    return out;
  }

  /** A regular polygon (inner == outer) or star with {@code points} tips, first tip straight up. */
  private static double[][] regular(int points, double outer, double inner) {
    boolean star = inner != outer;
    int n = star ? 2 * points : points;
    double[][] p = new double[2][n];
    for (int i = 0; i < n; i++) {
      double radius = star && i % 2 == 1 ? inner : outer;
      double angle = -StrictMath.PI / 2 + 2 * StrictMath.PI * i / n;
      p[0][i] = radius * StrictMath.cos(angle);
      p[1][i] = radius * StrictMath.sin(angle);
    }
    return p;
  }

  /**
   * The classic parametric heart (x = 16 sin^3 t, y = 13 cos t - 5 cos 2t - 2 cos 3t - cos 4t),
   * flipped to y down.
   */
  private static double[][] heart() {
    double[][] p = new double[2][HEART_VERTICES];
    for (int i = 0; i < HEART_VERTICES; i++) {
      double t = 2 * StrictMath.PI * i / HEART_VERTICES;
      double s = StrictMath.sin(t);
      p[0][i] = 16 * s * s * s;
      p[1][i] =
          -(13 * StrictMath.cos(t)
              - 5 * StrictMath.cos(2 * t)
              - 2 * StrictMath.cos(3 * t)
              - StrictMath.cos(4 * t));
    }
    return p;
  }

  /** Moves the polygon's area centroid to the origin. */
  private static double[][] centred(double[][] p) {
    double[] c = centroid(p);
    double[][] out = new double[2][p[0].length];
    for (int i = 0; i < p[0].length; i++) {
      out[0][i] = p[0][i] - c[0];
      out[1][i] = p[1][i] - c[1];
    }
    return out;
  }

  /** Centred, then scaled so its circumradius is {@code radius}. */
  private static double[][] normalised(double[][] p, double radius) {
    double[][] c = centred(p);
    double k = radius / circumradius(c);
    for (int i = 0; i < c[0].length; i++) {
      c[0][i] *= k;
      c[1][i] *= k;
    }
    return c;
  }

  private static double signedArea(double[][] p) {
    double a = 0;
    for (int i = 0, j = p[0].length - 1; i < p[0].length; j = i++)
      a += p[0][j] * p[1][i] - p[0][i] * p[1][j];
    return a / 2;
  }

  private static double[] centroid(double[][] p) {
    double a = signedArea(p);
    double x = 0;
    double y = 0;
    for (int i = 0, j = p[0].length - 1; i < p[0].length; j = i++) {
      double cross = p[0][j] * p[1][i] - p[0][i] * p[1][j];
      x += (p[0][j] + p[0][i]) * cross;
      y += (p[1][j] + p[1][i]) * cross;
    }
    return new double[] {x / (6 * a), y / (6 * a)};
  }

  private static double circumradius(double[][] p) {
    double r = 0;
    for (int i = 0; i < p[0].length; i++) r = Math.max(r, StrictMath.hypot(p[0][i], p[1][i]));
    return r;
  }
}
