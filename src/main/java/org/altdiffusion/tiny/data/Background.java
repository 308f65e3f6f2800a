package org.altdiffusion.tiny.data;

import java.util.Locale;

/**
 * Kind of background behind the shape. Every background is light (all channels at least ~180) and
 * nearly grey (channels within ~16 of each other), far from every {@link Colour}.
 */
public enum Background {
  /** One light, slightly tinted grey. */
  PLAIN,
  /** A linear blend between two such greys, in a seeded direction. */
  GRADIENT,
  /** A light grey with per-pixel grey noise of +-12 levels. */
  NOISE;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Background parse(String key) {
    return Attributes.parseEnum(Background.class, key, "background");
  }
}
