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
   * @return false to stop before the next step, as {@link #onStop} says
   */
  boolean onStep(int step, int total, Supplier<BufferedImage> preview);

  /** What a run does when {@link #onStep} returned false. */
  enum OnStop {
    /** Throw a {@link GenerationCancelledException}; nothing is decoded. */
    CANCEL,
    /**
     * Decode the model's current estimate of the clean picture and return it as the result, as
     * AUTOMATIC1111 does when a batch is interrupted or skipped.
     */
    KEEP_CURRENT
  }

  /** Asked once, when {@link #onStep} returned false (default: cancel). */
  default OnStop onStop() {
    return OnStop.CANCEL;
  }
}
