package org.altdiffusion.tiny.data;

import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Reads shape, colour, position and size back from a 64x64 picture of the shapes dataset (or one
 * generated from its captions). Steps:
 *
 * <ol>
 *   <li>Pixels that are not light and nearly grey are foreground candidates (backgrounds never are,
 *       fills always are); the largest 8-connected group of them is the shape.
 *   <li>The background is a least-squares plane per channel over the background pixels away from
 *       the shape (exact for plain and gradient backgrounds, the mean for noise).
 *   <li>The fill is the per-channel median of the quarter of shape pixels farthest from the
 *       background; the colour is the nearest {@link Colour} reference value.
 *   <li>Each pixel near the shape gets a coverage estimate: its projection between background and
 *       fill. Its sum is the area, its weighted mean the centroid; so blur (which moves coverage
 *       but keeps its sum) and zero-mean noise barely change either.
 *   <li>Each shape's template is drawn at that centroid with the scale that gives that area, over
 *       the jitter's rotations, sharp or slightly blurred; the best soft IoU names the shape.
 *   <li>Size: that scale against {@link Size#THRESHOLD}. Position: the centroid within {@value
 *       #CENTRE_HALF_WIDTH} pixels of the centre on both axes is CENTRE, otherwise the dominant
 *       axis of its offset says LEFT/RIGHT/TOP/BOTTOM.
 * </ol>
 *
 * Exact on the dataset's clean pictures (see ShapeOracleTest for the measured figures). Stateless
 * and thread-safe.
 */
public final class ShapeOracle {
  /**
   * Half-width in pixels of the square around the canvas centre read as CENTRE (anchors are 14
   * away, shifts at most 2).
   */
  public static final double CENTRE_HALF_WIDTH = 7.0;

  /**
   * A pixel whose channels span at most this much, all at least {@link #LIGHT_MIN}, is
   * background-like.
   */
  static final int GREY_SPREAD_MAX = 40;

  static final int LIGHT_MIN = 150;

  /** Template rotations tried, in degrees: the jitter's range (+-12) in steps of 4. */
  static final double[] ROTATIONS = {-12, -8, -4, 0, 4, 8, 12};

  static final int TEMPLATE_ROW_SAMPLES = 8;

  /** Gaussian blurs (sigma in pixels) also tried on each best template, for soft pictures. */
  static final double[] TEMPLATE_BLURS = {0.8, 1.4};

  /** Fewer foreground pixels than this and nothing is reported. */
  static final int MIN_PIXELS = 6;

  private static final int SIDE = Scene.SIDE;

  public ShapeOracle() {}

  /** Reads a 64x64 picture. */
  public Recognition recognize(BufferedImage image) {
    if (image == null) throw new IllegalArgumentException("image is required");
    if (image.getWidth() != SIDE || image.getHeight() != SIDE) {
      throw new IllegalArgumentException(
          "the oracle reads "
              + SIDE
              + "x"
              + SIDE
              + " pictures, got "
              + image.getWidth()
              + "x"
              + image.getHeight());
    }
    return recognize(image.getRGB(0, 0, SIDE, SIDE, null, 0, SIDE));
  }

  /** Reads 64x64 packed 0xRRGGBB pixels, row-major (alpha bits ignored). */
  public Recognition recognize(int[] rgb) {
    if (rgb == null || rgb.length != SIDE * SIDE) {
      throw new IllegalArgumentException(
          "expected "
              + SIDE * SIDE
              + " pixels ("
              + SIDE
              + "x"
              + SIDE
              + "), got "
              + (rgb == null ? "null" : rgb.length));
    }
    int n = SIDE * SIDE;
    double[][] px = new double[3][n];
    boolean[] candidate = new boolean[n];
    for (int i = 0; i < n; i++) {
      int r = (rgb[i] >> 16) & 255;
      int g = (rgb[i] >> 8) & 255;
      int b = rgb[i] & 255;
      px[0][i] = r;
      px[1][i] = g;
      px[2][i] = b;
      int max = Math.max(r, Math.max(g, b));
      int min = Math.min(r, Math.min(g, b));
      candidate[i] = max - min > GREY_SPREAD_MAX || min < LIGHT_MIN;
    }
    boolean[] shape = largestComponent(candidate);
    int shapePixels = count(shape);
    if (shapePixels < MIN_PIXELS) return Recognition.none();
    boolean[] near = dilate(shape, 2);

    double[][] background = backgroundPlane(px, candidate, near);
    double[] fill = fillColour(px, shape, background);
    Colour colour = Colour.nearest(fill[0], fill[1], fill[2]);

    float[] alpha = coverage(px, near, background, fill);
    double area = 0;
    double sx = 0;
    double sy = 0;
    for (int i = 0; i < n; i++) {
      area += alpha[i];
      sx += alpha[i] * (i % SIDE + 0.5);
      sy += alpha[i] * (i / SIDE + 0.5);
    }
    if (area < MIN_PIXELS) return Recognition.none();
    double cx = sx / area;
    double cy = sy / area;

    Map<Shape, Double> iou = new EnumMap<>(Shape.class);
    Shape best = null;
    for (Shape s : Shape.values()) {
      double bestForShape = matchShape(s, alpha, area, cx, cy);
      iou.put(s, bestForShape);
      if (best == null || bestForShape > iou.get(best)) best = s;
    }
    double scale = Math.sqrt(area / ShapeGeometry.unitArea(best));
    Size size = scale < Size.THRESHOLD ? Size.SMALL : Size.LARGE;
    Position position = position(cx, cy);

    double second = 0;
    for (Map.Entry<Shape, Double> e : iou.entrySet())
      if (e.getKey() != best) second = Math.max(second, e.getValue());
    double bestIou = iou.get(best);
    double shapeConfidence = clamp01((bestIou - second) / 0.1) * clamp01((bestIou - 0.5) / 0.4);
    double colourConfidence = colourConfidence(fill, colour);
    double sizeConfidence = clamp01(Math.abs(Math.log(scale / Size.THRESHOLD)) / Math.log(1.2));
    double positionConfidence = clamp01(boundaryDistance(cx, cy) / 3.0);
    double confidence =
        Math.min(
            Math.min(shapeConfidence, colourConfidence),
            Math.min(sizeConfidence, positionConfidence));
    int fillRgb =
        (ShapeRenderer.clamp8((int) Math.round(fill[0])) << 16)
            | (ShapeRenderer.clamp8((int) Math.round(fill[1])) << 8)
            | ShapeRenderer.clamp8((int) Math.round(fill[2]));
    return new Recognition(
        new Attributes(best, colour, position, size),
        confidence,
        shapeConfidence,
        colourConfidence,
        sizeConfidence,
        positionConfidence,
        Collections.unmodifiableMap(iou),
        cx,
        cy,
        area,
        scale,
        fillRgb);
  }

  /**
   * Best soft IoU of the coverage with {@code shape}'s template of the same area and centroid: the
   * rotation from a grid over the jitter's range refined by +-2 and +-1 degrees, then the sharp
   * template or a blurred one ({@link #TEMPLATE_BLURS}), whichever fits better, so a softened
   * picture is compared with an equally soft template.
   */
  private static double matchShape(Shape shape, float[] alpha, double area, double cx, double cy) {
    double scale = Math.sqrt(area / ShapeGeometry.unitArea(shape));
    double bestRotation = 0;
    double best =
        softIou(alpha, ShapeGeometry.coverage(shape, cx, cy, scale, 0, SIDE, TEMPLATE_ROW_SAMPLES));
    if (shape != Shape.CIRCLE) {
      for (double rotation : ROTATIONS) {
        if (rotation == 0) continue;
        double fit =
            softIou(
                alpha,
                ShapeGeometry.coverage(shape, cx, cy, scale, rotation, SIDE, TEMPLATE_ROW_SAMPLES));
        if (fit > best) {
          best = fit;
          bestRotation = rotation;
        }
      }
      for (double step : new double[] {2, 1}) {
        double centre = bestRotation;
        for (double rotation : new double[] {centre - step, centre + step}) {
          double fit =
              softIou(
                  alpha,
                  ShapeGeometry.coverage(
                      shape, cx, cy, scale, rotation, SIDE, TEMPLATE_ROW_SAMPLES));
          if (fit > best) {
            best = fit;
            bestRotation = rotation;
          }
        }
      }
    }
    float[] sharp =
        ShapeGeometry.coverage(shape, cx, cy, scale, bestRotation, SIDE, TEMPLATE_ROW_SAMPLES);
    for (double sigma : TEMPLATE_BLURS)
      best = Math.max(best, softIou(alpha, gaussianBlur(sharp, sigma)));
    return best;
  }

  /**
   * Separable Gaussian blur of a SIDE x SIDE map, edges clamped. Only the box around the non-zero
   * values, widened by the kernel radius, is computed (everything outside stays zero).
   */
  static float[] gaussianBlur(float[] map, double sigma) {
    int radius = (int) Math.ceil(3 * sigma);
    double[] kernel = new double[2 * radius + 1];
    double sum = 0;
    for (int k = -radius; k <= radius; k++)
      sum += kernel[k + radius] = Math.exp(-k * k / (2 * sigma * sigma));
    for (int k = 0; k < kernel.length; k++) kernel[k] /= sum;
    int[] box = nonZeroBox(map);
    float[] out = new float[map.length];
    if (box == null) return out;
    // an edge-touching box keeps the full canvas in that direction, so edge clamping stays exact
    int x0 = box[0] == 0 ? 0 : Math.max(0, box[0] - radius);
    int x1 = box[2] == SIDE - 1 ? SIDE - 1 : Math.min(SIDE - 1, box[2] + radius);
    int y0 = box[1] == 0 ? 0 : Math.max(0, box[1] - radius);
    int y1 = box[3] == SIDE - 1 ? SIDE - 1 : Math.min(SIDE - 1, box[3] + radius);
    float[] rows = new float[map.length];
    for (int y = box[1]; y <= box[3]; y++) {
      for (int x = x0; x <= x1; x++) {
        double acc = 0;
        for (int k = -radius; k <= radius; k++)
          acc += kernel[k + radius] * map[y * SIDE + Math.min(SIDE - 1, Math.max(0, x + k))];
        rows[y * SIDE + x] = (float) acc;
      }
    }
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        double acc = 0;
        for (int k = -radius; k <= radius; k++)
          acc += kernel[k + radius] * rows[Math.min(SIDE - 1, Math.max(0, y + k)) * SIDE + x];
        out[y * SIDE + x] = (float) acc;
      }
    }
    return out;
  }

  /** {minX, minY, maxX, maxY} of the non-zero values, or null when all are zero. */
  private static int[] nonZeroBox(float[] map) {
    int minX = SIDE;
    int minY = SIDE;
    int maxX = -1;
    int maxY = -1;
    for (int i = 0; i < map.length; i++) {
      if (map[i] == 0) continue;
      int x = i % SIDE;
      int y = i / SIDE;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    return maxX < 0 ? null : new int[] {minX, minY, maxX, maxY};
  }

  static Position position(double cx, double cy) {
    double dx = cx - SIDE / 2.0;
    double dy = cy - SIDE / 2.0;
    if (Math.max(Math.abs(dx), Math.abs(dy)) < CENTRE_HALF_WIDTH) return Position.CENTRE;
    if (Math.abs(dx) >= Math.abs(dy)) return dx < 0 ? Position.LEFT : Position.RIGHT;
    return dy < 0 ? Position.TOP : Position.BOTTOM;
  }

  /** Distance in pixels from the centroid to the nearest boundary between position regions. */
  private static double boundaryDistance(double cx, double cy) {
    double ax = Math.abs(cx - SIDE / 2.0);
    double ay = Math.abs(cy - SIDE / 2.0);
    double toCentreSquare = Math.abs(Math.max(ax, ay) - CENTRE_HALF_WIDTH);
    if (Math.max(ax, ay) < CENTRE_HALF_WIDTH) return toCentreSquare;
    return Math.min(toCentreSquare, Math.abs(ax - ay) / Math.sqrt(2));
  }

  private static double colourConfidence(double[] fill, Colour nearest) {
    double d1 = Math.sqrt(nearest.distanceSquared(fill[0], fill[1], fill[2]));
    double d2 = Double.POSITIVE_INFINITY;
    for (Colour c : Colour.values())
      if (c != nearest) d2 = Math.min(d2, Math.sqrt(c.distanceSquared(fill[0], fill[1], fill[2])));
    // 1 on the reference value, 0 on the boundary with the next nearest colour
    return clamp01((d2 - d1) / (d2 + d1) * 2);
  }

  /**
   * Per channel a + b x + c y fitted to background-like pixels away from the shape;
   * [channel][pixel].
   */
  private static double[][] backgroundPlane(double[][] px, boolean[] candidate, boolean[] near) {
    int n = SIDE * SIDE;
    // normal equations of least squares on (1, x, y), coordinates centred for conditioning
    double[][] ata = new double[3][3];
    double[][] atb = new double[3][3];
    int used = 0;
    for (int i = 0; i < n; i++) {
      if (candidate[i] || near[i]) continue;
      double[] f = {1, i % SIDE - SIDE / 2.0 + 0.5, i / SIDE - SIDE / 2.0 + 0.5};
      for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 3; c++) ata[r][c] += f[r] * f[c];
        for (int ch = 0; ch < 3; ch++) atb[ch][r] += f[r] * px[ch][i];
      }
      used++;
    }
    double[][] out = new double[3][n];
    for (int ch = 0; ch < 3; ch++) {
      double[] coef = used >= 16 ? solve3(ata, atb[ch]) : new double[] {224, 0, 0};
      for (int i = 0; i < n; i++)
        out[ch][i] =
            coef[0]
                + coef[1] * (i % SIDE - SIDE / 2.0 + 0.5)
                + coef[2] * (i / SIDE - SIDE / 2.0 + 0.5);
    }
    return out;
  }

  /** Median per channel of the quarter of shape pixels farthest from the background. */
  private static double[] fillColour(double[][] px, boolean[] shape, double[][] background) {
    int count = count(shape);
    double[] distance = new double[count];
    int[] index = new int[count];
    int k = 0;
    for (int i = 0; i < shape.length; i++) {
      if (!shape[i]) continue;
      double d = 0;
      for (int ch = 0; ch < 3; ch++) d += sq(px[ch][i] - background[ch][i]);
      distance[k] = d;
      index[k++] = i;
    }
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Double.compare(distance[b], distance[a]));
    int top = Math.max(1, count / 4);
    double[] fill = new double[3];
    for (int ch = 0; ch < 3; ch++) {
      double[] v = new double[top];
      for (int i = 0; i < top; i++) v[i] = px[ch][index[order[i]]];
      Arrays.sort(v);
      fill[ch] = top % 2 == 1 ? v[top / 2] : (v[top / 2 - 1] + v[top / 2]) / 2;
    }
    return fill;
  }

  /**
   * Per-pixel coverage estimate near the shape: projection of (pixel - background) on (fill -
   * background).
   */
  private static float[] coverage(
      double[][] px, boolean[] near, double[][] background, double[] fill) {
    float[] alpha = new float[SIDE * SIDE];
    for (int i = 0; i < alpha.length; i++) {
      if (!near[i]) continue;
      double dot = 0;
      double norm = 0;
      for (int ch = 0; ch < 3; ch++) {
        double span = fill[ch] - background[ch][i];
        dot += (px[ch][i] - background[ch][i]) * span;
        norm += span * span;
      }
      alpha[i] = norm < 1e-6 ? 0f : (float) clamp01(dot / norm);
    }
    return alpha;
  }

  private static double softIou(float[] a, float[] b) {
    double inter = 0;
    double union = 0;
    for (int i = 0; i < a.length; i++) {
      inter += Math.min(a[i], b[i]);
      union += Math.max(a[i], b[i]);
    }
    return union == 0 ? 0 : inter / union;
  }

  /** The largest 8-connected group of true pixels. */
  private static boolean[] largestComponent(boolean[] mask) {
    int n = mask.length;
    int[] label = new int[n];
    int bestLabel = 0;
    int bestSize = 0;
    int next = 0;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int start = 0; start < n; start++) {
      if (!mask[start] || label[start] != 0) continue;
      int id = ++next;
      int size = 0;
      label[start] = id;
      queue.add(start);
      while (!queue.isEmpty()) {
        int i = queue.poll();
        size++;
        int x = i % SIDE;
        int y = i / SIDE;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int nx = x + dx;
            int ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= SIDE || ny >= SIDE) continue;
            int j = ny * SIDE + nx;
            if (mask[j] && label[j] == 0) {
              label[j] = id;
              queue.add(j);
            }
          }
        }
      }
      if (size > bestSize) {
        bestSize = size;
        bestLabel = id;
      }
    }
    boolean[] out = new boolean[n];
    for (int i = 0; i < n; i++) out[i] = bestLabel != 0 && label[i] == bestLabel;
    return out;
  }

  /** Pixels within Chebyshev distance {@code radius} of a true pixel. */
  private static boolean[] dilate(boolean[] mask, int radius) {
    boolean[] out = new boolean[mask.length];
    for (int i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      int x = i % SIDE;
      int y = i / SIDE;
      for (int ny = Math.max(0, y - radius); ny <= Math.min(SIDE - 1, y + radius); ny++)
        for (int nx = Math.max(0, x - radius); nx <= Math.min(SIDE - 1, x + radius); nx++)
          out[ny * SIDE + nx] = true;
    }
    return out;
  }

  private static double[] solve3(double[][] a, double[] b) {
    double[][] m = new double[3][4];
    for (int r = 0; r < 3; r++) {
      System.arraycopy(a[r], 0, m[r], 0, 3);
      m[r][3] = b[r];
    }
    for (int col = 0; col < 3; col++) {
      int pivot = col;
      for (int r = col + 1; r < 3; r++)
        if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
      double[] t = m[col];
      m[col] = m[pivot];
      m[pivot] = t;
      if (Math.abs(m[col][col]) < 1e-12) return new double[] {b[0] / Math.max(1, a[0][0]), 0, 0};
      for (int r = 0; r < 3; r++) {
        if (r == col) continue;
        double f = m[r][col] / m[col][col];
        for (int c = col; c < 4; c++) m[r][c] -= f * m[col][c];
      }
    }
    return new double[] {m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]};
  }

  private static int count(boolean[] mask) {
    int n = 0;
    for (boolean b : mask) if (b) n++;
    return n;
  }

  private static double sq(double v) {
    return v * v;
  }

  private static double clamp01(double v) {
    return Math.max(0, Math.min(1, v));
  }
}
