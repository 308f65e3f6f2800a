package org.altdiffusion.tiny.data;

import java.util.Objects;

/**
 * Everything that determines a picture's pixels: the captioned {@link Attributes}, the seeded
 * jitter and the background. {@link ShapeRenderer#render(Scene)} turns it into an image.
 *
 * @param attributes what the caption says
 * @param jitter small seeded deviations from the nominal placement, size, rotation and colour
 * @param background the background and its parameters
 */
public record Scene(Attributes attributes, Jitter jitter, BackgroundSpec background) {
  /** Canvas side in pixels. */
  public static final int SIDE = 64;

  /** Largest shift of the shape's centroid from its anchor, per axis, in pixels. */
  public static final double MAX_SHIFT = 2.0;

  /** Largest relative change of the shape's scale (0.07: x0.93 to x1.07). */
  public static final double MAX_SCALE_CHANGE = 0.07;

  /** Largest rotation in degrees, either way. */
  public static final double MAX_ROTATION_DEGREES = 12.0;

  /** Largest change of each colour channel, either way, in 8-bit levels. */
  public static final int MAX_COLOUR_CHANGE = 8;

  public Scene {
    Objects.requireNonNull(attributes, "attributes");
    Objects.requireNonNull(jitter, "jitter");
    Objects.requireNonNull(background, "background");
  }

  /**
   * Seeded deviations from the nominal picture.
   *
   * @param dx centroid shift right in pixels, |dx| <= {@link #MAX_SHIFT}
   * @param dy centroid shift down in pixels, |dy| <= {@link #MAX_SHIFT}
   * @param scale factor on {@link Size#scale()}, within 1 +- {@link #MAX_SCALE_CHANGE}
   * @param rotationDegrees clockwise rotation, |r| <= {@link #MAX_ROTATION_DEGREES}
   * @param dRed change of the red channel of the fill, |d| <= {@link #MAX_COLOUR_CHANGE}
   * @param dGreen same for green
   * @param dBlue same for blue
   */
  public record Jitter(
      double dx, double dy, double scale, double rotationDegrees, int dRed, int dGreen, int dBlue) {
    /** No jitter: the nominal picture. */
    public static final Jitter NONE = new Jitter(0, 0, 1, 0, 0, 0, 0);

    static Jitter random(SplitMix rng) {
      return new Jitter(
          rng.uniform(-MAX_SHIFT, MAX_SHIFT),
          rng.uniform(-MAX_SHIFT, MAX_SHIFT),
          rng.uniform(1 - MAX_SCALE_CHANGE, 1 + MAX_SCALE_CHANGE),
          rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES),
          rng.nextInt(2 * MAX_COLOUR_CHANGE + 1) - MAX_COLOUR_CHANGE,
          rng.nextInt(2 * MAX_COLOUR_CHANGE + 1) - MAX_COLOUR_CHANGE,
          rng.nextInt(2 * MAX_COLOUR_CHANGE + 1) - MAX_COLOUR_CHANGE);
    }
  }

  /**
   * The background and its parameters.
   *
   * @param kind plain, gradient or noise
   * @param from the (first) background colour, 0xRRGGBB
   * @param to the second gradient colour (equal to {@code from} unless a gradient)
   * @param angleDegrees direction of the gradient, 0 = left to right, 90 = top to bottom
   * @param noiseSeed seed of the per-pixel noise (used by {@link Background#NOISE} only)
   */
  public record BackgroundSpec(
      Background kind, int from, int to, double angleDegrees, long noiseSeed) {
    /** Plain light grey (224, 224, 224). */
    public static final BackgroundSpec GREY =
        new BackgroundSpec(Background.PLAIN, 0xE0E0E0, 0xE0E0E0, 0, 0);

    public BackgroundSpec {
      Objects.requireNonNull(kind, "kind");
    }

    static BackgroundSpec random(Background kind, SplitMix rng) {
      int from = lightColour(rng);
      int to = kind == Background.GRADIENT ? lightColour(rng) : from;
      double angle = kind == Background.GRADIENT ? rng.uniform(0, 360) : 0;
      long noiseSeed = kind == Background.NOISE ? rng.nextLong() : 0;
      return new BackgroundSpec(kind, from, to, angle, noiseSeed);
    }

    /** A grey of level 200..238 with each channel tinted by up to +-8. */
    private static int lightColour(SplitMix rng) {
      int grey = 200 + rng.nextInt(39);
      int rgb = 0;
      for (int channel = 0; channel < 3; channel++) rgb = (rgb << 8) | (grey + rng.nextInt(17) - 8);
      return rgb;
    }
  }

  /** The nominal picture of {@code attributes}: no jitter, plain light grey background. */
  public static Scene nominal(Attributes attributes) {
    return new Scene(attributes, Jitter.NONE, BackgroundSpec.GREY);
  }

  /**
   * A scene of {@code attributes} with jitter and a background of a seeded kind, drawn from {@code
   * rng}.
   */
  static Scene random(Attributes attributes, SplitMix rng) {
    Jitter jitter = Jitter.random(rng);
    Background kind = Background.values()[rng.nextInt(Background.values().length)];
    return new Scene(attributes, jitter, BackgroundSpec.random(kind, rng));
  }

  /** Centroid x in pixels. */
  public double centreX() {
    return attributes.position().anchorX() + jitter.dx();
  }

  /** Centroid y in pixels. */
  public double centreY() {
    return attributes.position().anchorY() + jitter.dy();
  }

  /** Pixels per unit of {@link ShapeGeometry}. */
  public double scale() {
    return attributes.size().scale() * jitter.scale();
  }
}
