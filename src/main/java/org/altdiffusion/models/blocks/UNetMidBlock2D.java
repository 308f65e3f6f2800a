package org.altdiffusion.models.blocks;

import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code UNetMidBlock2D} as the VAE builds it: {@code resnets.0}, then {@code
 * attentions.0} (single-head {@link SpatialSelfAttention}, absent when {@code
 * mid_block_add_attention} is false) and {@code resnets.1}; no time embedding, eps 1e-6.
 */
public final class UNetMidBlock2D extends Module {
  private final ModuleList<ResnetBlock2D> resnets;
  private final SpatialSelfAttention attention;

  public UNetMidBlock2D(long channels, long groups, double eps, boolean addAttention) {
    resnets = child("resnets", new ModuleList<>());
    resnets.add(new ResnetBlock2D(channels, channels, 0, groups, eps, 1.0));
    resnets.add(new ResnetBlock2D(channels, channels, 0, groups, eps, 1.0));
    if (addAttention) {
      ModuleList<SpatialSelfAttention> attentions = child("attentions", new ModuleList<>());
      attention = attentions.add(new SpatialSelfAttention(channels, channels, groups, eps));
    } else {
      attention = null;
    }
  }

  /** x [B, C, H, W] -> [B, C, H, W]. */
  public Tensor forward(Tensor x) {
    Tensor h = resnets.get(0).forward(x, null);
    if (attention != null) h = attention.forward(h);
    return resnets.get(1).forward(h, null);
  }
}
