package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import org.altdiffusion.image.Png;

/**
 * One result image with what made it.
 *
 * @param image 8-bit RGB
 * @param seed the seed of its initial noise
 * @param infotext the parameters in AUTOMATIC1111's form (also written into PNGs)
 */
public record GeneratedImage(BufferedImage image, long seed, Infotext infotext) {

  /** PNG bytes carrying the parameters text chunk. */
  public byte[] png() {
    return Png.encode(image, infotext.format());
  }
}
