package org.altdiffusion.server;

import java.awt.image.BufferedImage;
import java.util.List;
import org.altdiffusion.image.Alpha;
import org.altdiffusion.image.BadImageException;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.Masks;
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
    return mode.fit(decode(upload), width, height);
  }

  /** Decodes {@code upload}, flattened on white, at its own size; undecodable = 422. */
  static BufferedImage decode(ImageInput.Upload upload) {
    return Alpha.flatten(decode("init_images[0]", upload), Alpha.WHITE);
  }

  private static BufferedImage decode(String field, ImageInput.Upload upload) {
    try {
      return ImageDecoder.decode(upload.bytes(), ImageLimits.UPLOADS);
    } catch (BadImageException e) {
      throw ApiException.invalid(field + ": " + e.getMessage());
    }
  }

  /**
   * The mask upload as A1111 reads it ({@link Masks#a1111}: by its alpha when it has transparency,
   * else by its luminance), resized to {@code width} x {@code height} (the init image's size) when
   * it differs, with a warning added to {@code warnings}.
   */
  static GrayImage mask(ImageInput.Upload upload, int width, int height, List<String> warnings) {
    GrayImage m = Masks.a1111(decode("mask", upload));
    if (m.width() != width || m.height() != height) {
      warnings.add(
          "mask: it is "
              + m.width()
              + "x"
              + m.height()
              + ", the init image "
              + width
              + "x"
              + height
              + "; the mask was resized to the image's size");
      m = Masks.resize(m, width, height);
    }
    return m;
  }

  /** {@code mask} fitted to {@code width} x {@code height} by {@code mode}, as the picture is. */
  static GrayImage fit(GrayImage mask, int width, int height, ResizeMode mode) {
    if (mask.width() == width && mask.height() == height) return mask;
    int[] v = mask.values();
    int[] rgb = new int[v.length];
    for (int i = 0; i < v.length; i++) rgb[i] = v[i] << 16 | v[i] << 8 | v[i];
    BufferedImage gray = new BufferedImage(mask.width(), mask.height(), BufferedImage.TYPE_INT_RGB);
    gray.setRGB(0, 0, mask.width(), mask.height(), rgb, 0, mask.width());
    return Masks.luminance(mode.fit(gray, width, height));
  }
}
