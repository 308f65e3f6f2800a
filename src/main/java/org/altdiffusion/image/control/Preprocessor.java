package org.altdiffusion.image.control;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.altdiffusion.image.GrayImage;

/**
 * The control-image preprocessors that need no network, under sd-webui-controlnet's module names.
 * Each takes an 8-bit RGB picture and returns the map a ControlNet is fed (8-bit RGB, gray maps
 * repeated in the three channels, as its {@code HWC3}). Canny and scribble run at the picture's own
 * size, or, given a resolution, as the extension runs canny/threshold: short side scaled to it, see
 * {@link ProcessorResolution}.
 */
public enum Preprocessor {
  /** The picture as it is (already a control map). */
  NONE("none"),
  /** {@link Canny} edges with the low/high thresholds (A1111's defaults 100, 200). */
  CANNY("canny"),
  /**
   * A black-on-white drawing to white lines on black: OpenCV's gray conversion, then {@code
   * cv2.threshold(gray, threshold, 255, THRESH_BINARY_INV)} (A1111's "binary" module, default 127).
   */
  SCRIBBLE("scribble"),
  /** {@code 255 - v} per channel (A1111's "invert (from white bg & black line)"). */
  INVERT("invert");

  private final String cliName;

  Preprocessor(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line and in A1111's module list. */
  public String cliName() {
    return cliName;
  }

  /**
   * The settings of the preprocessors that take any.
   *
   * @param low Canny's low threshold (default 100)
   * @param high Canny's high threshold (default 200)
   * @param l2Gradient Canny's L2 gradient magnitude (default false)
   * @param threshold scribble's binarisation threshold, 0..255 (default 127)
   * @param resolution the extension's processor_res for canny and scribble: the short side the
   *     picture is scaled to first (0, the default: its own size)
   */
  public record Settings(
      double low, double high, boolean l2Gradient, int threshold, int resolution) {
    /** Settings at the picture's own size. */
    public Settings(double low, double high, boolean l2Gradient, int threshold) {
      this(low, high, l2Gradient, threshold, 0);
    }

    public static Settings defaults() {
      return new Settings(100, 200, false, 127);
    }

    /** These settings at another processor resolution (0: the picture's own size). */
    public Settings withResolution(int r) {
      return new Settings(low, high, l2Gradient, threshold, r);
    }
  }

  /** Whether the processor resolution changes this preprocessor's map (canny and scribble). */
  public boolean usesResolution() {
    return this == CANNY || this == SCRIBBLE;
  }

  /** Every name, in order. */
  public static List<String> names() {
    return Arrays.stream(values()).map(Preprocessor::cliName).toList();
  }

  /** The preprocessor called {@code name} (case-insensitive); an error lists the valid ones. */
  public static Preprocessor of(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (Preprocessor p : values()) if (p.cliName.equals(n)) return p;
    throw new IllegalArgumentException(
        "unknown preprocessor '" + name + "'; accepted: " + String.join(", ", names()));
  }

  /** The control map of {@code rgb}. */
  public BufferedImage apply(BufferedImage rgb, Settings s) {
    if (s.resolution() > 0 && usesResolution())
      return ProcessorResolution.around(rgb, s.resolution(), img -> atOwnSize(img, s));
    return atOwnSize(rgb, s);
  }

  private BufferedImage atOwnSize(BufferedImage rgb, Settings s) {
    return switch (this) {
      case NONE -> rgb;
      case CANNY -> toRgb(Canny.edges(rgb, s.low(), s.high(), s.l2Gradient()));
      case SCRIBBLE -> toRgb(binaryInverse(rgb, s.threshold()));
      case INVERT -> invert(rgb);
    };
  }

  /** OpenCV's RGB2GRAY on 8 bits (14-bit fixed point, rounded), then 255 where gray <= t. */
  static GrayImage binaryInverse(BufferedImage rgb, int threshold) {
    if (threshold < 0 || threshold > 255)
      throw new IllegalArgumentException(
          "scribble threshold must be between 0 and 255, got " + threshold);
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    int[] p = rgb.getRGB(0, 0, w, h, null, 0, w);
    int[] out = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      int r = (p[i] >> 16) & 255;
      int g = (p[i] >> 8) & 255;
      int b = p[i] & 255;
      int gray = (r * 4899 + g * 9617 + b * 1868 + (1 << 13)) >> 14;
      out[i] = gray > threshold ? 0 : 255;
    }
    return new GrayImage(w, h, out);
  }

  private static BufferedImage invert(BufferedImage rgb) {
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    int[] p = rgb.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < p.length; i++) p[i] = ~p[i] & 0xFFFFFF;
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, p, 0, w);
    return out;
  }

  /** A gray map as RGB with the value in every channel. */
  public static BufferedImage toRgb(GrayImage g) {
    int[] p = new int[g.values().length];
    for (int i = 0; i < p.length; i++) {
      int v = g.values()[i];
      p[i] = v << 16 | v << 8 | v;
    }
    BufferedImage out = new BufferedImage(g.width(), g.height(), BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, g.width(), g.height(), p, 0, g.width());
    return out;
  }
}
