package org.altdiffusion.train.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;
import org.altdiffusion.image.Alpha;
import org.altdiffusion.image.BadImageException;
import org.altdiffusion.image.CenterCrop;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;

/**
 * Image-text pairs listed up front (keys, captions and where each image's bytes are) and decoded
 * when asked. What cannot be used is reported as a {@link SkippedSample}: a missing image or
 * caption, an empty caption, an unreadable file, bytes that do not decode, an image below the size
 * filter.
 */
public final class IndexedImageText implements Dataset<ImageText> {
  /** Reads one image's bytes. */
  public interface Bytes {
    byte[] read() throws IOException;
  }

  /**
   * @param key where it came from (for messages)
   * @param caption the text, or null when the sample has none
   * @param image how to read the image, or null when the sample has none
   */
  public record Entry(String key, String caption, Bytes image) {}

  private final List<Entry> entries;
  private final int size;
  private final int minSize;
  private final String description;

  public IndexedImageText(List<Entry> entries, int size, int minSize, String description) {
    if (size < 8) throw new IllegalArgumentException("--resolution must be >= 8, got " + size);
    this.entries = List.copyOf(entries);
    this.size = size;
    this.minSize = minSize;
    this.description = description;
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public ImageText get(int index) throws SkippedSample {
    Entry e = entries.get(index);
    if (e.image() == null)
      throw new SkippedSample(SkipReason.INCOMPLETE_SAMPLE, e.key() + ": no image");
    if (e.caption() == null)
      throw new SkippedSample(SkipReason.INCOMPLETE_SAMPLE, e.key() + ": no caption");
    if (e.caption().isBlank()) throw new SkippedSample(SkipReason.EMPTY_CAPTION, e.key());
    byte[] bytes;
    try {
      bytes = e.image().read();
    } catch (IOException ex) {
      throw new SkippedSample(SkipReason.UNREADABLE_FILE, e.key() + ": " + ex.getMessage());
    }
    BufferedImage rgb = decode(bytes, e.key());
    if (Math.min(rgb.getWidth(), rgb.getHeight()) < minSize) {
      throw new SkippedSample(
          SkipReason.TOO_SMALL,
          e.key() + ": " + rgb.getWidth() + "x" + rgb.getHeight() + " < --min-size " + minSize);
    }
    return new ImageText(CenterCrop.pixels(rgb, size), size, e.caption().strip(), e.key());
  }

  /**
   * Image bytes to 8-bit RGB for training: decoded within {@link ImageLimits#TRAINING},
   * transparency flattened on white. Bytes that do not decode are a {@link
   * SkipReason#CORRUPT_IMAGE} (truncated files included); a format this build cannot decode (WebP)
   * or a picture beyond the limits is a {@link SkipReason#UNSUPPORTED_IMAGE}.
   */
  static BufferedImage decode(byte[] bytes, String key) throws SkippedSample {
    try {
      return Alpha.flatten(ImageDecoder.decode(bytes, ImageLimits.TRAINING), Alpha.WHITE);
    } catch (BadImageException e) {
      SkipReason reason =
          switch (e.problem()) {
            case UNSUPPORTED_FORMAT, TOO_LARGE -> SkipReason.UNSUPPORTED_IMAGE;
            case NOT_AN_IMAGE, TRUNCATED, CORRUPT -> SkipReason.CORRUPT_IMAGE;
          };
      throw new SkippedSample(reason, key + ": " + e.getMessage());
    }
  }

  public List<Entry> entries() {
    return entries;
  }

  @Override
  public String describe() {
    return description;
  }
}
