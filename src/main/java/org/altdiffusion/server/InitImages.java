package org.altdiffusion.server;

import java.awt.image.BufferedImage;
import org.altdiffusion.image.Alpha;
import org.altdiffusion.image.BadImageException;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.ResizeMode;

/**
 * Turning an uploaded init image into the picture img2img starts from, as AUTOMATIC1111 does:
 * decoded, flattened on white (its default img2img background) and fitted to the request's size by
 * its resize mode (see {@link ResizeMode}: PIL's Lanczos, bit for bit).
 */
final class InitImages {
  private InitImages() {}

  /**
   * Decodes {@code upload} and fits it to {@code width} x {@code height}; an undecodable image is a
   * 422.
   */
  static BufferedImage prepare(ImageInput.Upload upload, int width, int height, ResizeMode mode) {
    BufferedImage picture;
    try {
      picture = ImageDecoder.decode(upload.bytes(), ImageLimits.UPLOADS);
    } catch (BadImageException e) {
      throw ApiException.invalid("init_images[0]: " + e.getMessage());
    }
    return mode.fit(Alpha.flatten(picture, Alpha.WHITE), width, height);
  }
}
