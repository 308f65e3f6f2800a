package org.altdiffusion.pipeline;

import org.bytedeco.pytorch.Tensor;

/**
 * The model's prediction at one step, as the sampling loop sees it: guidance, extra UNet input
 * channels and extra UNet residuals (ControlNet) are the denoiser's business, never the loop's or
 * the sampler's.
 */
@FunctionalInterface
public interface Denoiser {
  /**
   * @param modelInput the scheduler-scaled latents, [B, C, h, w]
   * @param stepIndex the scheduler's step index
   * @param timestep the UNet's time input at that index
   * @return what the model predicts (epsilon, v or x0 as its config says), [B, C, h, w]
   */
  Tensor predict(Tensor modelInput, int stepIndex, double timestep);
}
