package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Attention;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.LayerNorm;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code BasicTransformerBlock} as Stable Diffusion uses it (norm_type "layer_norm",
 * GEGLU feed-forward, no attention bias), pre-norm with residuals: {@code h += attn1(norm1(h))},
 * {@code h += attn2(norm2(h), context)}, {@code h += ff(norm3(h))}. With {@code onlyCrossAttention}
 * attn1 also attends to the context instead of to h.
 */
public final class BasicTransformerBlock extends Module {
  private final boolean onlyCrossAttention;
  private final LayerNorm norm1;
  private final Attention attn1;
  private final LayerNorm norm2;
  private final Attention attn2;
  private final LayerNorm norm3;
  private final FeedForward ff;

  /**
   * @param dim token width (heads * headDim)
   * @param contextDim width of the cross-attention context (cross_attention_dim)
   */
  public BasicTransformerBlock(
      long dim, long heads, long headDim, long contextDim, boolean onlyCrossAttention) {
    this.onlyCrossAttention = onlyCrossAttention;
    norm1 = child("norm1", new LayerNorm(dim, 1e-5));
    attn1 =
        child(
            "attn1",
            new Attention(dim, onlyCrossAttention ? contextDim : dim, heads, headDim, false));
    norm2 = child("norm2", new LayerNorm(dim, 1e-5));
    attn2 = child("attn2", new Attention(dim, contextDim, heads, headDim, false));
    norm3 = child("norm3", new LayerNorm(dim, 1e-5));
    ff = child("ff", new FeedForward(dim, 4 * dim));
  }

  /** h [B, N, dim], context [B, T, contextDim] -> [B, N, dim]. */
  public Tensor forward(Tensor h, Tensor context) {
    return Scopes.keep(
        () -> {
          Tensor x =
              InPlace.add(attn1.forward(norm1.forward(h), onlyCrossAttention ? context : null), h);
          x = InPlace.add(attn2.forward(norm2.forward(x), context), x);
          return InPlace.add(ff.forward(norm3.forward(x)), x);
        });
  }
}
