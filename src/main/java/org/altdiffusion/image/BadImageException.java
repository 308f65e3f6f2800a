package org.altdiffusion.image;

/**
 * Image bytes that are refused: the message says what was wrong and what is accepted, and reads
 * after a subject ({@code "init_images[0] is " + message}, {@code key + ": " + message}).
 */
public final class BadImageException extends IllegalArgumentException {
  /**
   * What was wrong, for callers that sort refusals (training counts them, the server picks 413).
   */
  public enum Problem {
    /** No known image format (empty, text, garbage). */
    NOT_AN_IMAGE,
    /** A recognised format this build cannot decode (WebP without a reader). */
    UNSUPPORTED_FORMAT,
    /** The data ends early. */
    TRUNCATED,
    /** A known format whose data does not decode. */
    CORRUPT,
    /** Larger than the {@link ImageLimits} in force (read from the header, nothing decoded). */
    TOO_LARGE
  }

  private static final int MAX_DETAIL = 200;

  private final Problem problem;

  private BadImageException(Problem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  static BadImageException notAnImage(String detail) {
    return new BadImageException(
        Problem.NOT_AN_IMAGE, "not an image (" + detail + "); accepted: " + ImageFormats.ACCEPTED);
  }

  static BadImageException unsupported(String format) {
    return new BadImageException(
        Problem.UNSUPPORTED_FORMAT,
        "a "
            + format
            + " image, which this build cannot decode (no "
            + format
            + " reader); accepted: "
            + ImageFormats.ACCEPTED
            + " (convert it to PNG or JPEG)");
  }

  static BadImageException truncated(String detail) {
    return new BadImageException(
        Problem.TRUNCATED,
        "not a readable image (" + detail + ": truncated); accepted: complete " + accepted());
  }

  static BadImageException corrupt(String detail) {
    return new BadImageException(
        Problem.CORRUPT,
        "not a readable image (" + abbreviate(detail) + "); accepted: " + ImageFormats.ACCEPTED);
  }

  /**
   * What a reader's failure on {@code bytes} means: a JPEG without its end-of-image marker or data
   * that ends early is truncated; anything else corrupt.
   */
  static BadImageException readFailure(byte[] bytes, String format, Exception e) {
    boolean jpeg = bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8;
    if (jpeg && !CmykJpeg.endsWithEndOfImage(bytes))
      return truncated("the JPEG data ends without an end-of-image marker");
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.io.EOFException)
        return truncated(
            "the "
                + (format == null ? "image" : format.toUpperCase(java.util.Locale.ROOT))
                + " data ends early");
    }
    StringBuilder detail =
        new StringBuilder(format == null ? "" : format.toUpperCase(java.util.Locale.ROOT) + ": ");
    detail.append(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    for (Throwable t = e.getCause(); t != null; t = t.getCause())
      if (t.getMessage() != null) detail.append(": ").append(t.getMessage());
    return corrupt(detail.toString());
  }

  static BadImageException tooLarge(int width, int height, ImageLimits limits) {
    return new BadImageException(
        Problem.TOO_LARGE, width + "x" + height + " pixels; accepted: " + limits.describe());
  }

  /** "PNG, JPEG, BMP or GIF files". */
  private static String accepted() {
    String list = ImageFormats.ACCEPTED;
    int last = list.lastIndexOf(", ");
    return list.substring(0, last) + " or " + list.substring(last + 2) + " files";
  }

  /** Reader messages can be long; one line of at most 200 characters. */
  static String abbreviate(String s) {
    String line = s == null ? "" : s.replaceAll("\\s+", " ").strip();
    return line.length() <= MAX_DETAIL ? line : line.substring(0, MAX_DETAIL - 3) + "...";
  }
}
