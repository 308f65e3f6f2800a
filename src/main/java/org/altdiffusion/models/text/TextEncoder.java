package org.altdiffusion.models.text;

import java.util.function.UnaryOperator;
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

  /**
   * As {@link #encode(Tensor, Tensor)}, with A1111's two changes.
   *
   * @param tokenVectors changes the token embeddings ([B, T, {@link #tokenWidth()}]) before
   *     positions are added (textual inversion); null = none
   * @param clipSkip 1 = the encoder's own output; N > 1 = CLIP's hidden state N from the end
   *     through its final LayerNorm (encoders without it refuse N > 1, naming themselves)
   */
  Tensor encode(Tensor ids, Tensor attentionMask, UnaryOperator<Tensor> tokenVectors, int clipSkip);

  /** Width of the token embeddings (what a textual-inversion vector must have). */
  long tokenWidth();

  /** Width of each vector {@link #encode} returns (the UNet's cross_attention_dim). */
  long hiddenSize();

  /** Longest token sequence accepted. */
  int maxTokens();
}
