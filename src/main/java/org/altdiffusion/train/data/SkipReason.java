package org.altdiffusion.train.data;

/** Why an example was left out while training; each is counted and reported, none is fatal. */
public enum SkipReason {
  /** Image bytes that do not decode (truncated, garbage, unknown format). */
  CORRUPT_IMAGE("corrupt image"),
  /** A valid image in a format this build cannot decode (WebP). */
  UNSUPPORTED_IMAGE("unsupported image format"),
  /** An image smaller than the size filter asks (--min-size). */
  TOO_SMALL("image too small"),
  /** An image without a caption, or a caption of white space only. */
  EMPTY_CAPTION("empty caption"),
  /** A sample whose image or caption member is missing (e.g. a shard entry without its .txt). */
  INCOMPLETE_SAMPLE("incomplete sample"),
  /** A file listed by the data source that cannot be read. */
  UNREADABLE_FILE("unreadable file");

  private final String label;

  SkipReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
