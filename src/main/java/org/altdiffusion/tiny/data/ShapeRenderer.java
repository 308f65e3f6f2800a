package org.altdiffusion.tiny.data;

import java.awt.image.BufferedImage;

/**
 * Draws a {@link Scene}: background, then the shape's fill blended by its anti-aliased coverage,
 * rounded once to 8 bits. Pure Java arithmetic: the same scene gives bit-identical pixels on any
 * JVM.
 */
public final class ShapeRenderer {
  /** Sample lines per pixel row in the anti-aliasing (coverage is exact along x). */
  public static final int ROW_SAMPLES = 16;

  private ShapeRenderer() {}

  /** The scene as a {@value Scene#SIDE}x{@value Scene#SIDE} RGB picture. */
  public static BufferedImage render(Scene scene) {
    int side = Scene.SIDE;
    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, side, side, renderRgb(scene), 0, side);
    return img;
  }

  /** The scene as packed 0xRRGGBB pixels, row-major. */
  public static int[] renderRgb(Scene scene) {
    return renderRgb(scene, background(scene.background(), Scene.SIDE));
  }

  /** The scene's shape over {@code background} (interleaved RGB doubles, row-major). */
  static int[] renderRgb(Scene scene, double[] background) {
    int side = Scene.SIDE;
    Attributes a = scene.attributes();
    float[] coverage =
        ShapeGeometry.coverage(
            a.shape(),
            scene.centreX(),
            scene.centreY(),
            scene.scale(),
            scene.jitter().rotationDegrees(),
            side,
            ROW_SAMPLES);
    Scene.Jitter j = scene.jitter();
    double[] fill = {
      clamp8(a.colour().red() + j.dRed()),
      clamp8(a.colour().green() + j.dGreen()),
      clamp8(a.colour().blue() + j.dBlue())
    };
    int[] out = new int[side * side];
    for (int i = 0; i < out.length; i++) {
      double alpha = Math.min(1.0, coverage[i]);
      int rgb = 0;
      for (int c = 0; c < 3; c++) {
        double bg = background[3 * i + c];
        rgb = (rgb << 8) | clamp8((int) Math.round(bg + (fill[c] - bg) * alpha));
      }
      out[i] = rgb;
    }
    return out;
  }

  /** The background alone as interleaved RGB doubles (not yet rounded), row-major. */
  static double[] background(Scene.BackgroundSpec spec, int side) {
    double[] out = new double[3 * side * side];
    double[] from = unpack(spec.from());
    double[] to = unpack(spec.to());
    double angle = StrictMath.toRadians(spec.angleDegrees());
    double cos = StrictMath.cos(angle);
    double sin = StrictMath.sin(angle);
    // projection of the canvas corners spans [-extent, extent], so t covers [0, 1] exactly
    double extent = side / 2.0 * (Math.abs(cos) + Math.abs(sin));
    SplitMix noise = new SplitMix(spec.noiseSeed());
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int i = y * side + x;
        double t = 0;
        if (spec.kind() == Background.GRADIENT)
          t = 0.5 + ((x + 0.5 - side / 2.0) * cos + (y + 0.5 - side / 2.0) * sin) / (2 * extent);
        int grain = spec.kind() == Background.NOISE ? noise.nextInt(25) - 12 : 0;
        for (int c = 0; c < 3; c++)
          out[3 * i + c] = Math.min(255, from[c] + (to[c] - from[c]) * t + grain);
      }
    }
    return out;
  }

  private static double[] unpack(int rgb) {
    return new double[] {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
  }

  static int clamp8(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
