package org.altdiffusion.pipeline;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * What an editing mode or an adapter adds to every UNet call of a generation; {@link #NONE} adds
 * nothing. The {@link GuidedDenoiser} applies it to both guidance passes.
 */
public interface UNetInputs {
  UNetInputs NONE = new UNetInputs() {};

  /**
   * Channels appended after the latents on every call, [B, k, h, w] (9-channel inpainting UNets:
   * the mask and the masked picture's latents), or null for none.
   */
  default Tensor extraChannels() {
    return null;
  }

  /** Which rows of the text conditioning a UNet call has. */
  enum Rows {
    /** the prompts alone (no guidance, or the conditional pass of side-by-side guidance) */
    PROMPT,
    /** the negative prompt alone (the unconditional pass of side-by-side guidance) */
    NEGATIVE,
    /** [negative x B, prompts x B]: both passes of a guided step as one batch */
    BOTH
  }

  /**
   * Residuals added to the UNet's skips and middle (ControlNet) for this call, or null for none.
   *
   * @param latents the scheduler-scaled latents of this call [N, C, h, w], without {@link
   *     #extraChannels()} (N = B, or 2B for {@link Rows#BOTH})
   * @param stepIndex the scheduler's step index
   * @param timestep the UNet's time input
   * @param context the text conditioning of these N rows, [N, T, D]
   * @param rows which conditioning the rows are
   */
  default Residuals residuals(
      Tensor latents, int stepIndex, double timestep, Tensor context, Rows rows) {
    return null;
  }

  /**
   * ControlNet-style additions to the UNet.
   *
   * @param down one tensor per skip, shaped like it (conv_in output first)
   * @param mid added to the middle block's output
   */
  record Residuals(List<Tensor> down, Tensor mid) {}
}
