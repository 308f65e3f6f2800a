package org.altdiffusion.pipeline;

import org.altdiffusion.engine.Noise;
import org.altdiffusion.schedulers.Scheduler;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * How a generation's latents start: pure noise (text-to-image), a noised picture (image-to-image),
 * or a picture with a region to repaint (inpainting, {@link Inpainting}).
 */
@FunctionalInterface
public interface LatentInit {

  /**
   * The starting latents and the first step index to run.
   *
   * @param latents [B, C, h, w]
   * @param firstStep the index of the first step (0, or later for image-to-image)
   */
  record Start(Tensor latents, int firstStep) {}

  /**
   * @param scheduler with its timesteps set
   * @param noise the generation's noise source (one generator per image)
   * @param shape the latents' shape [B, C, h, w]
   */
  Start start(Scheduler scheduler, Noise noise, long[] shape);

  /**
   * The first step index that runs for a denoising {@code strength} (diffusers' {@code
   * get_timesteps}); an error when the strength leaves no step to run.
   */
  static int firstStep(Scheduler scheduler, double strength) {
    int first = scheduler.img2imgStart(strength);
    if (first >= scheduler.timesteps().length) {
      throw new IllegalArgumentException(
          "denoising strength "
              + strength
              + " leaves no step to run with "
              + scheduler.numInferenceSteps()
              + " steps; raise the strength or the steps");
    }
    return first;
  }

  /** Noise at the sampler's initial sigma, as diffusers' {@code prepare_latents}. */
  LatentInit TEXT_TO_IMAGE =
      (scheduler, noise, shape) ->
          new Start(noise.randn(shape).mul(new Scalar(scheduler.initNoiseSigma())), 0);
}
