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

  /**
   * Residuals added to the UNet's skips and middle (ControlNet) for this call, or null for none.
   *
   * @param unetInput the UNet's input [N, C, h, w] (N = B, or 2B for a batched guided pass)
   * @param timestep the UNet's time input
   * @param context the text conditioning of these N rows, [N, T, D]
   */
  default Residuals residuals(Tensor unetInput, double timestep, Tensor context) {
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
