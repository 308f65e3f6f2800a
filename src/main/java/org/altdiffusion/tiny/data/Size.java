package org.altdiffusion.tiny.data;

import java.util.Locale;

/** Size class of the shape: its circumradius scale in pixels before jitter. */
public enum Size {
  SMALL(7.0),
  LARGE(12.0);

  /**
   * Scale (pixels per unit of {@link ShapeGeometry}) halfway between the two classes on a log
   * scale, sqrt(7 * 12): the oracle's decision threshold.
   */
  public static final double THRESHOLD = Math.sqrt(SMALL.scale * LARGE.scale);

  private final double scale;

  Size(double scale) {
    this.scale = scale;
  }

  /** Pixels per unit of the normalised shape geometry (before the seeded jitter). */
  public double scale() {
    return scale;
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Size parse(String key) {
    return Attributes.parseEnum(Size.class, key, "size");
  }
}
