package org.altdiffusion.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image bytes to a picture, strictly: PNG, JPEG (CMYK and YCCK ones included), BMP, GIF (the first
 * frame), WebP where an ImageIO reader is installed. The size is checked from the header before any
 * pixel is decoded; a reader's warning, a JPEG without its end-of-image marker or any decoding
 * error is a refusal, not a half-grey picture. Every refusal is a {@link BadImageException} saying
 * what was wrong and what is accepted.
 *
 * <p>The picture comes back as decoded (any colour model: gray, 16-bit, palette, alpha); {@link
 * Alpha} brings it to 8-bit RGB. EXIF orientation is not applied (as before: training never did).
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  /** Decodes {@code bytes}, refusing pictures beyond {@code limits}. */
  public static BufferedImage decode(byte[] bytes, ImageLimits limits) {
    ImageHeader header = limits.check(ImageHeader.read(bytes));
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = ImageIO.getImageReaders(in).next();
      List<String> warnings = new ArrayList<>();
      try {
        reader.setInput(in, true, true);
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage image;
        try {
          image = reader.read(0);
        } catch (IIOException e) {
          if (!header.format().equals("jpeg")
              || !String.valueOf(e.getMessage()).contains("Unsupported Image Type")) throw e;
          in.seek(0);
          reader.setInput(in, true, true);
          image = CmykJpeg.toRgb(reader.readRaster(0, null), CmykJpeg.isAdobeYcck(bytes));
        }
        if (header.format().equals("jpeg") && !CmykJpeg.endsWithEndOfImage(bytes))
          throw BadImageException.truncated("the JPEG data ends without an end-of-image marker");
        if (!warnings.isEmpty()) throw BadImageException.corrupt(warnings.get(0));
        return image;
      } finally {
        reader.dispose();
      }
    } catch (BadImageException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw BadImageException.readFailure(bytes, header.format(), e);
    }
  }
}
