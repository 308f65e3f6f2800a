package org.altdiffusion.models.unet;

import org.altdiffusion.models.blocks.ResnetBlock2D;
import org.altdiffusion.models.blocks.Transformer2DModel;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code UNetMidBlock2DCrossAttn}: {@code resnets.0}, {@code attentions.0}, {@code
 * resnets.1}, at the lowest resolution. Its resnets divide by mid_block_scale_factor.
 * (only_cross_attention does not reach this block in diffusers.)
 */
public final class UNetMidBlock2DCrossAttn extends Module {
  private final ModuleList<ResnetBlock2D> resnets;
  private final Transformer2DModel attention;

  public UNetMidBlock2DCrossAttn(
      long channels,
      long tembChannels,
      int heads,
      int transformerLayers,
      long contextDim,
      boolean linearProjection,
      long groups,
      double eps,
      double outputScaleFactor) {
    attention =
        child("attentions", new ModuleList<Transformer2DModel>())
            .add(
                new Transformer2DModel(
                    heads,
                    channels / heads,
                    channels,
                    transformerLayers,
                    contextDim,
                    groups,
                    linearProjection,
                    false));
    resnets = child("resnets", new ModuleList<>());
    resnets.add(
        new ResnetBlock2D(channels, channels, tembChannels, groups, eps, outputScaleFactor));
    resnets.add(
        new ResnetBlock2D(channels, channels, tembChannels, groups, eps, outputScaleFactor));
  }

  /** h [B, C, H, W] -> [B, C, H, W]. */
  public Tensor forward(Tensor h, Tensor temb, Tensor context) {
    h = resnets.get(0).forward(h, temb);
    h = attention.forward(h, context);
    return resnets.get(1).forward(h, temb);
  }
}
