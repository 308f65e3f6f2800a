package org.altdiffusion.tiny.data;

import java.util.Locale;

/**
 * Where the shape's centre (its area centroid) is placed on the {@value Scene#SIDE}-pixel canvas.
 * Anchors are {@link #OFFSET} pixels from the centre, so even a large shape stays inside the frame.
 */
public enum Position {
  LEFT(-1, 0),
  RIGHT(1, 0),
  TOP(0, -1),
  BOTTOM(0, 1),
  CENTRE(0, 0);

  /** Distance in pixels from the canvas centre to a side anchor. */
  public static final double OFFSET = 14.0;

  private final int dx;
  private final int dy;

  Position(int dx, int dy) {
    this.dx = dx;
    this.dy = dy;
  }

  /** Anchor x in pixels (canvas coordinates: 0 at the left edge of the first pixel). */
  public double anchorX() {
    return Scene.SIDE / 2.0 + dx * OFFSET;
  }

  /** Anchor y in pixels (0 at the top edge, growing downwards). */
  public double anchorY() {
    return Scene.SIDE / 2.0 + dy * OFFSET;
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Position parse(String key) {
    return Attributes.parseEnum(Position.class, key, "position");
  }
}
