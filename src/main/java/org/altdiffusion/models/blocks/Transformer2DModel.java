package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code Transformer2DModel} on continuous input (the UNet's spatial transformer):
 * GroupNorm (eps 1e-6), {@code proj_in}, {@code transformer_blocks}, {@code proj_out}, plus the
 * input as residual. SD 1.x projects with 1x1 convolutions before flattening the pixels into
 * tokens; SD 2.x ({@code use_linear_projection}) flattens first and projects with Linear layers.
 */
public final class Transformer2DModel extends Module {
  private final boolean linearProjection;
  private final long inner;
  private final GroupNorm norm;
  private final Linear linearIn; // proj_in when linearProjection, else null
  private final Conv2d convIn; // proj_in otherwise
  private final ModuleList<BasicTransformerBlock> blocks;
  private final Linear linearOut;
  private final Conv2d convOut;

  /**
   * @param heads attention heads
   * @param headDim width of one head; tokens are heads * headDim wide
   * @param channels input/output channels
   * @param layers number of BasicTransformerBlocks (transformer_layers_per_block)
   * @param contextDim cross_attention_dim
   * @param groups GroupNorm groups (the UNet's norm_num_groups)
   */
  public Transformer2DModel(
      long heads,
      long headDim,
      long channels,
      int layers,
      long contextDim,
      long groups,
      boolean linearProjection,
      boolean onlyCrossAttention) {
    this.linearProjection = linearProjection;
    this.inner = heads * headDim;
    norm = child("norm", new GroupNorm(groups, channels, 1e-6));
    linearIn = linearProjection ? child("proj_in", new Linear(channels, inner)) : null;
    convIn = linearProjection ? null : child("proj_in", new Conv2d(channels, inner, 1, 1, 0));
    blocks = child("transformer_blocks", new ModuleList<>());
    for (int i = 0; i < layers; i++) {
      blocks.add(new BasicTransformerBlock(inner, heads, headDim, contextDim, onlyCrossAttention));
    }
    linearOut = linearProjection ? child("proj_out", new Linear(inner, channels)) : null;
    convOut = linearProjection ? null : child("proj_out", new Conv2d(inner, channels, 1, 1, 0));
  }

  /** x [B, C, H, W], context [B, T, contextDim] -> [B, C, H, W]. */
  public Tensor forward(Tensor x, Tensor context) {
    return Scopes.keep(
        () -> {
          long b = x.size(0);
          long height = x.size(2);
          long width = x.size(3);
          Tensor h = norm.forward(x);
          if (linearProjection) {
            h = h.permute(0, 2, 3, 1).reshape(b, height * width, x.size(1)); // [B, HW, C]
            h = linearIn.forward(h); // [B, HW, inner]
          } else {
            h = convIn.forward(h); // [B, inner, H, W]
            h = h.permute(0, 2, 3, 1).reshape(b, height * width, inner); // [B, HW, inner]
          }
          for (BasicTransformerBlock block : blocks) h = block.forward(h, context);
          if (linearProjection) {
            h = linearOut.forward(h); // [B, HW, C]
            h =
                h.reshape(b, height, width, x.size(1))
                    .permute(0, 3, 1, 2)
                    .contiguous(); // [B, C, H, W]
          } else {
            h =
                h.reshape(b, height, width, inner)
                    .permute(0, 3, 1, 2)
                    .contiguous(); // [B, inner, H, W]
            h = convOut.forward(h); // [B, C, H, W]
          }
          return InPlace.add(h, x);
        });
  }
}
