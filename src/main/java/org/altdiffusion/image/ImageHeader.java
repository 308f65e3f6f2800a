package org.altdiffusion.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An image's format and size, read from its header without decoding any pixel (so that a
 * "decompression bomb" costs nothing).
 *
 * @param format ImageIO's format name, lower case ({@code "png"}, {@code "jpeg"}, {@code "bmp"},
 *     {@code "gif"}, ...)
 * @param width in pixels, positive
 * @param height in pixels, positive
 */
public record ImageHeader(String format, int width, int height) {
  /**
   * Reads the header of {@code bytes}.
   *
   * @throws BadImageException when the bytes are not an image in a format this build decodes
   */
  public static ImageHeader read(byte[] bytes) {
    if (bytes.length == 0) throw BadImageException.notAnImage("empty: 0 bytes");
    if (ImageFormats.isWebP(bytes) && !ImageFormats.WEBP)
      throw BadImageException.unsupported("WebP");
    String format;
    int w;
    int h;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers =
          in == null ? Collections.emptyIterator() : ImageIO.getImageReaders(in);
      if (!readers.hasNext()) throw BadImageException.notAnImage("unknown format");
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        format = reader.getFormatName().toLowerCase(Locale.ROOT);
        w = reader.getWidth(0);
        h = reader.getHeight(0);
      } finally {
        reader.dispose();
      }
    } catch (BadImageException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw BadImageException.readFailure(bytes, null, e);
    }
    if (w <= 0 || h <= 0) throw BadImageException.corrupt("no valid size: " + w + "x" + h);
    return new ImageHeader(format.equals("jpg") ? "jpeg" : format, w, h);
  }
}
