package org.altdiffusion.tiny.data;

import java.util.Locale;

/** The shape drawn in a picture. Geometry lives in {@link ShapeGeometry}. */
public enum Shape {
  CIRCLE,
  SQUARE,
  TRIANGLE,
  STAR,
  HEART;

  /** The lowercase name used in caption data files and JSON ("circle"). */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The value named {@code key} ("circle", any case), or an error listing the accepted names. */
  public static Shape parse(String key) {
    return Attributes.parseEnum(Shape.class, key, "shape");
  }
}
