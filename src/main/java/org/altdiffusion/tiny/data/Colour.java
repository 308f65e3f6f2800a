package org.altdiffusion.tiny.data;

import java.util.Locale;

/**
 * The shape's fill colour. The eight reference values are saturated (or, for black, dark) and at
 * least ~90 apart in RGB (orange/yellow being the closest pair), so they stay apart after a lossy
 * VAE, and none can be mistaken for a background, which is always light and nearly grey.
 */
public enum Colour {
  RED(215, 35, 35),
  ORANGE(245, 135, 15),
  YELLOW(245, 225, 30),
  GREEN(40, 160, 60),
  BLUE(35, 75, 215),
  PURPLE(135, 50, 180),
  PINK(240, 110, 190),
  BLACK(30, 30, 30);

  private final int r;
  private final int g;
  private final int b;

  Colour(int r, int g, int b) {
    this.r = r;
    this.g = g;
    this.b = b;
  }

  public int red() {
    return r;
  }

  public int green() {
    return g;
  }

  public int blue() {
    return b;
  }

  /** Packed 0xRRGGBB. */
  public int rgb() {
    return (r << 16) | (g << 8) | b;
  }

  /** Squared RGB distance from this colour's reference value to (r, g, b). */
  public double distanceSquared(double red, double green, double blue) {
    double dr = red - r;
    double dg = green - g;
    double db = blue - b;
    return dr * dr + dg * dg + db * db;
  }

  /** The colour whose reference value is nearest to (r, g, b) in RGB. */
  public static Colour nearest(double red, double green, double blue) {
    Colour best = null;
    double bestDistance = Double.POSITIVE_INFINITY;
    for (Colour c : values()) {
      double d = c.distanceSquared(red, green, blue);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Colour parse(String key) {
    return Attributes.parseEnum(Colour.class, key, "colour");
  }
}
