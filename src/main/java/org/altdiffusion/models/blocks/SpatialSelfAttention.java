package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Attention;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * The self-attention of {@code UNetMidBlock2D} (the VAE's mid block): diffusers' {@code Attention}
 * built with {@code norm_num_groups}, {@code residual_connection=True}, biased q/k/v and one head
 * per {@code headDim} channels. Keys: {@code group_norm, to_q, to_k, to_v, to_out.0}. Checkpoints
 * saved before diffusers 0.14 name them {@code query, key, value, proj_attn}; their table is {@link
 * org.altdiffusion.io.keys.formats.DiffusersLegacyVaeAttention}.
 */
public final class SpatialSelfAttention extends Module {
  private final long heads;
  private final GroupNorm groupNorm;
  private final Linear toQ;
  private final Linear toK;
  private final Linear toV;
  private final Linear toOut;

  public SpatialSelfAttention(long channels, long headDim, long groups, double eps) {
    this.heads = channels / headDim;
    groupNorm = child("group_norm", new GroupNorm(groups, channels, eps));
    toQ = child("to_q", new Linear(channels, channels));
    toK = child("to_k", new Linear(channels, channels));
    toV = child("to_v", new Linear(channels, channels));
    toOut = child("to_out", new ModuleList<Linear>()).add(new Linear(channels, channels));
  }

  /** x [B, C, H, W] -> x + attention(x), [B, C, H, W]. */
  public Tensor forward(Tensor x) {
    return Scopes.keep(
        () -> {
          long b = x.size(0);
          long c = x.size(1);
          long height = x.size(2);
          long width = x.size(3);
          Tensor tokens = x.view(b, c, height * width).transpose(1, 2); // [B, HW, C]
          Tensor h = groupNorm.forward(tokens.transpose(1, 2)).transpose(1, 2); // [B, HW, C]
          Tensor o =
              Attention.attend(
                  toQ.forward(h), toK.forward(h), toV.forward(h), heads, null); // [B, HW, C]
          o = toOut.forward(o).transpose(-1, -2).reshape(b, c, height, width); // [B, C, H, W]
          return o.add(x);
        });
  }
}
