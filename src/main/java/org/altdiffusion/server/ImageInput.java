package org.altdiffusion.server;

import java.util.Base64;
import org.altdiffusion.image.BadImageException;
import org.altdiffusion.image.ImageHeader;
import org.altdiffusion.image.ImageLimits;

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
    ImageHeader header;
    try {
      header = ImageLimits.UPLOADS.check(ImageHeader.read(bytes));
    } catch (BadImageException e) {
      if (e.problem() == BadImageException.Problem.TOO_LARGE)
        throw new ApiException(413, "Payload Too Large", field + " is " + e.getMessage());
      throw ApiException.invalid(field + " is " + e.getMessage());
    }
    return new Upload(bytes, header.format(), header.width(), header.height());
  }
}
