package org.altdiffusion.models.text;

import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.TorchErrors;
import org.altdiffusion.tokenizer.Encoding;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.pytorch.Tensor;

/**
 * Text in, the UNet's conditioning out: a tokenizer, its encoder and the one rule for the attention
 * mask. Used by the pipeline, UNet training and scorers, so that a model trains on the conditioning
 * it sees at inference.
 *
 * @param tokenizer the encoder's tokenizer
 * @param encoder XLM-R (AltDiffusion) or CLIP (Stable Diffusion)
 * @param useAttentionMask whether the encoder is given the padding mask: diffusers passes it when
 *     the encoder's config says {@code use_attention_mask} (AltDiffusion), never to CLIP
 */
public record TextConditioning(
    PromptTokenizer tokenizer, TextEncoder encoder, boolean useAttentionMask) {

  public TextConditioning {
    if (tokenizer == null || encoder == null)
      throw new IllegalArgumentException("a tokenizer and a text encoder are required");
  }

  /** The pair with the mask rule of diffusers' pipelines for this kind of encoder. */
  public static TextConditioning of(PromptTokenizer tokenizer, TextEncoder encoder) {
    boolean mask =
        encoder instanceof RobertaSeriesModelWithTransformation roberta
            && roberta.config.useAttentionMask();
    return new TextConditioning(tokenizer, encoder, mask);
  }

  /**
   * Token ids of a batch and the mask to give the encoder.
   *
   * @param ids [B, T] int64
   * @param mask [B, T] int64 (1 = token); {@link #encode(Tokens)} gives it to the encoder only when
   *     {@link #useAttentionMask}
   * @param encodings the tokenizer's output per text (lengths before truncation included)
   */
  public record Tokens(Tensor ids, Tensor mask, List<Encoding> encodings) {
    /** Tokens of text {@code i} cut off by the encoder's window (0 when it fits). */
    public int truncatedTokens(int i) {
      Encoding e = encodings.get(i);
      return Math.max(0, e.untruncatedLength() - e.length());
    }
  }

  /** The length prompts are padded or cut to (tokenizer_config.json's model_max_length). */
  public int maxLength() {
    return tokenizer.modelMaxLength();
  }

  /** {@code texts} padded/truncated to {@code maxLength}, with their padding mask. */
  public Tokens tokenize(List<String> texts, int maxLength) {
    return tokenize(tokenizer, texts, maxLength);
  }

  /** {@code texts} padded/truncated to {@code maxLength} by {@code tokenizer}, with their mask. */
  public static Tokens tokenize(PromptTokenizer tokenizer, List<String> texts, int maxLength) {
    if (texts.isEmpty()) throw new IllegalArgumentException("no text to tokenize");
    List<Encoding> e = tokenizer.encodeAll(texts, maxLength);
    int b = texts.size();
    int t = e.get(0).ids().length; // padded to maxLength by the tokenizers that pad
    Tensor ids = Tensors.fromLongs(Encoding.stackIds(e), b, t); // [B, T]
    Tensor mask = Tensors.fromLongs(Encoding.stackAttentionMasks(e), b, t); // [B, T]
    return new Tokens(ids, mask, e);
  }

  /** [B, T, D]: the encoder's output for {@code tokens}. */
  public Tensor encode(Tokens tokens) {
    Tensor mask = useAttentionMask ? tokens.mask() : null;
    return TorchErrors.guard("text encoder", () -> encoder.encode(tokens.ids(), mask));
  }

  /** [B, T, D] for {@code texts} at {@code maxLength} tokens. */
  public Tensor encode(List<String> texts, int maxLength) {
    return encode(tokenize(texts, maxLength));
  }
}
