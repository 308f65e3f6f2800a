package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;

/**
 * Starting picture of image-to-image, as diffusers' img2img pipelines take it.
 *
 * @param image the picture; its size must equal the request's size (resize it first)
 * @param strength how much to change it, 0..1: the fraction of the steps that run, counted from the
 *     noisy end (diffusers' default 0.8, AUTOMATIC1111's 0.75)
 */
public record InitImage(BufferedImage image, double strength) {
  public InitImage {
    if (image == null) throw new IllegalArgumentException("init image must not be null");
    if (!(strength >= 0 && strength <= 1))
      throw new IllegalArgumentException(
          "denoising strength must be between 0 and 1, got " + strength);
  }

  /**
   * Steps that actually run for {@code steps} requested steps: {@code int(steps * strength)}, as
   * diffusers' {@code get_timesteps} (a second-order sampler evaluates each of them twice).
   */
  public int stepsRun(int steps) {
    return Math.min((int) (steps * strength), steps);
  }

  /** Refuses a picture whose size is not the request's (pictures are not resized silently). */
  void checkSize(GenerationRequest.Size size) {
    if (image.getWidth() != size.width() || image.getHeight() != size.height()) {
      throw new IllegalArgumentException(
          "init image is "
              + image.getWidth()
              + "x"
              + image.getHeight()
              + " but the request is "
              + size.width()
              + "x"
              + size.height()
              + ": resize it or ask for its size");
    }
  }
}
