package org.altdiffusion.image;

/**
 * The largest pictures decoded, checked from the header before any pixel is read.
 *
 * @param maxSide most pixels on either side
 * @param maxPixels most pixels in all (width x height)
 */
public record ImageLimits(int maxSide, long maxPixels) {
  /** Pictures from users (server uploads, the command line's --init-image): 8192 on a side. */
  public static final ImageLimits UPLOADS = new ImageLimits(8192, 8192L * 8192);

  /** Training data: up to 100 million pixels, any shape. */
  public static final ImageLimits TRAINING = new ImageLimits(Integer.MAX_VALUE, 100_000_000L);

  public ImageLimits {
    if (maxSide < 1 || maxPixels < 1)
      throw new IllegalArgumentException(
          "image limits must be positive, got " + maxSide + " on a side, " + maxPixels + " pixels");
  }

  /** Refuses a header beyond the limits with a {@link BadImageException.Problem#TOO_LARGE}. */
  public ImageHeader check(ImageHeader header) {
    int w = header.width();
    int h = header.height();
    if (w > maxSide || h > maxSide || (long) w * h > maxPixels)
      throw BadImageException.tooLarge(w, h, this);
    return header;
  }

  /** "at most 8192 on a side", "at most 100000000 pixels", or both. */
  String describe() {
    boolean sides = maxSide != Integer.MAX_VALUE;
    boolean pixels = maxPixels < (long) maxSide * maxSide;
    if (sides && !pixels) return "at most " + maxSide + " on a side";
    if (!sides) return "at most " + maxPixels + " pixels";
    return "at most " + maxSide + " on a side and " + maxPixels + " pixels";
  }
}
