package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.util.function.Supplier;

/** Called after every denoising step; the way to show progress, previews, and to cancel. */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (step, total, preview) -> true;

  /**
   * @param step steps done so far (1..total)
   * @param total steps in this run
   * @param preview builds a cheap preview of the current latents (first image of the batch) on
   *     demand; costs nothing unless called
   * @return false to cancel: the run stops before the next step with a {@link
   *     GenerationCancelledException}
   */
  boolean onStep(int step, int total, Supplier<BufferedImage> preview);
}
