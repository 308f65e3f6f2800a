package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code ResnetBlock2D} with {@code time_embedding_norm="default"} and pre-norm: {@code
 * out = (shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))) + proj(silu(temb)))))) /
 * outputScaleFactor}. Keys: {@code norm1, conv1, time_emb_proj} (only with a time embedding),
 * {@code norm2, conv2}, {@code conv_shortcut} (only when the channel count changes). Dropout is an
 * inference no-op.
 */
public final class ResnetBlock2D extends Module {
  public final long inChannels;
  public final long outChannels;
  private final double outputScaleFactor;
  private final GroupNorm norm1;
  private final Conv2d conv1;
  private final Linear timeEmbProj;
  private final GroupNorm norm2;
  private final Conv2d conv2;
  private final Conv2d convShortcut;

  /**
   * @param tembChannels width of the time embedding, or 0 for none (the VAE)
   * @param groups GroupNorm groups of both norms
   * @param eps GroupNorm epsilon (UNet: norm_eps; VAE: 1e-6)
   * @param outputScaleFactor the sum is divided by it (1 except UNet mid_block_scale_factor)
   */
  public ResnetBlock2D(
      long inChannels,
      long outChannels,
      long tembChannels,
      long groups,
      double eps,
      double outputScaleFactor) {
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.outputScaleFactor = outputScaleFactor;
    norm1 = child("norm1", new GroupNorm(groups, inChannels, eps));
    conv1 = child("conv1", new Conv2d(inChannels, outChannels, 3, 1, 1));
    timeEmbProj =
        tembChannels > 0 ? child("time_emb_proj", new Linear(tembChannels, outChannels)) : null;
    norm2 = child("norm2", new GroupNorm(groups, outChannels, eps));
    conv2 = child("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1));
    convShortcut =
        inChannels != outChannels
            ? child("conv_shortcut", new Conv2d(inChannels, outChannels, 1, 1, 0))
            : null;
  }

  /**
   * x [B, in, H, W], temb [B, tembChannels] or null (required when the block has a projection) ->
   * [B, out, H, W].
   */
  public Tensor forward(Tensor x, Tensor temb) {
    return Scopes.keep(
        () -> {
          Tensor h = conv1.forward(InPlace.silu(norm1.forward(x)));
          if (timeEmbProj != null) {
            Tensor t = timeEmbProj.forward(torch.silu(temb)); // [B, out]
            h = InPlace.add(h, t.unsqueeze(2).unsqueeze(3)); // [B, out, 1, 1] broadcast over H, W
          }
          h = conv2.forward(InPlace.silu(norm2.forward(h)));
          Tensor shortcut = convShortcut == null ? x : convShortcut.forward(x);
          Tensor sum = InPlace.add(h, shortcut);
          // Dividing by 1 (every block but the UNet mid block's with mid_block_scale_factor != 1)
          // is a no-op pass.
          return outputScaleFactor == 1.0 ? sum : sum.div(new Scalar(outputScaleFactor));
        });
  }
}
