package org.altdiffusion.models.text;

import org.bytedeco.pytorch.Tensor;

/**
 * A text conditioner for the diffusion pipeline: token ids in, one vector per token out. Both the
 * AltDiffusion encoder ({@link RobertaSeriesModelWithTransformation}) and CLIP's text model ({@link
 * ClipTextModel}, {@link ClipTextModelWithProjection}) implement it.
 *
 * <p>Gradients are recorded when the parameters are trainable and no guard is active: callers who
 * only infer wrap the call in a {@code NoGradGuard}; nothing here disables autograd.
 */
public interface TextEncoder {
  /**
   * @param ids [B, T] int64 (int32 accepted) token ids, each in [0, vocab size), T at most {@link
   *     #maxTokens()}
   * @param attentionMask [B, T], 1 for a real token and 0 for padding, or null for all ones
   * @return [B, T, {@link #hiddenSize()}] float32: the conditioning the UNet cross-attends to
   */
  Tensor encode(Tensor ids, Tensor attentionMask);

  /** Width of each vector {@link #encode} returns (the UNet's cross_attention_dim). */
  long hiddenSize();

  /** Longest token sequence accepted. */
  int maxTokens();
}
