package org.altdiffusion.pipeline;

import org.altdiffusion.schedulers.Scheduler;
import org.bytedeco.pytorch.Tensor;

/**
 * Runs after each sampler step, inside the step's native scope: where inpainting puts the known
 * region back (re-noised to the next step's level). {@link #NONE} leaves the latents as they are.
 */
@FunctionalInterface
public interface StepHook {
  StepHook NONE = (latents, stepIndex, scheduler) -> latents;

  /**
   * @param latents the sampler's result of step {@code stepIndex}, [B, C, h, w]
   * @return the latents the next step starts from, [B, C, h, w]
   */
  Tensor afterStep(Tensor latents, int stepIndex, Scheduler scheduler);
}
