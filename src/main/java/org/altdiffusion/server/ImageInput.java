package org.altdiffusion.server;

import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.altdiffusion.pipeline.Images;

/**
 * Images that clients send as base64 text: decoded strictly, recognised as an image by its header
 * and size-checked without decoding any pixels (so a "decompression bomb" costs nothing).
 */
final class ImageInput {
  /** A decoded upload: its bytes, format name and size. */
  record Upload(byte[] bytes, String format, int width, int height) {
    boolean isPng() {
      return format.equals("png");
    }
  }

  private ImageInput() {}

  /**
   * Decodes {@code text} (plain base64 or a {@code data:image/...;base64,} URL) into a checked
   * image.
   */
  static Upload decode(String field, String text) {
    if (text == null || text.isBlank())
      throw ApiException.invalid(field + " is empty; send a base64-encoded PNG, JPEG, BMP or GIF");
    String b64 = text.strip();
    if (b64.regionMatches(true, 0, "http://", 0, 7)
        || b64.regionMatches(true, 0, "https://", 0, 8)) {
      throw ApiException.invalid(
          field + " is a URL; this server fetches nothing: send the image itself, base64-encoded");
    }
    if (b64.startsWith("data:")) {
      int comma = b64.indexOf(',');
      if (comma < 0 || !b64.substring(0, comma).endsWith(";base64")) {
        throw ApiException.invalid(field + " is a data URL without ';base64,' data");
      }
      b64 = b64.substring(comma + 1);
    }
    b64 = b64.replaceAll("\\s+", "");
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(field + " is not valid base64 (" + e.getMessage() + ")");
    }
    return inspect(field, bytes);
  }

  private static Upload inspect(String field, byte[] bytes) {
    String format = null;
    int w = -1;
    int h = -1;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers =
          in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
      if (readers.hasNext()) {
        ImageReader reader = readers.next();
        try {
          reader.setInput(in, true, true);
          format = reader.getFormatName().toLowerCase(java.util.Locale.ROOT);
          w = reader.getWidth(0);
          h = reader.getHeight(0);
        } finally {
          reader.dispose();
        }
      }
    } catch (Exception e) {
      throw ApiException.invalid(
          field
              + " is not a readable image ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + Json.abbreviate(e.getMessage()))
              + "); accepted: PNG, JPEG, BMP, GIF");
    }
    if (format == null)
      throw ApiException.invalid(
          field + " is not an image (unknown format); accepted: PNG, JPEG, BMP, GIF");
    if (w <= 0 || h <= 0)
      throw ApiException.invalid(field + " has no valid size (" + w + "x" + h + ")");
    if (w > Images.MAX_SIDE || h > Images.MAX_SIDE) {
      throw new ApiException(
          413,
          "Payload Too Large",
          field
              + " is "
              + w
              + "x"
              + h
              + " pixels; at most "
              + Images.MAX_SIDE
              + " on a side is accepted");
    }
    if (format.equals("jpg")) format = "jpeg";
    return new Upload(bytes, format, w, h);
  }
}
