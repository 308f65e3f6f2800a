package org.altdiffusion.models.text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.TorchErrors;
import org.altdiffusion.prompt.PromptAttention;
import org.altdiffusion.prompt.PromptChunker;
import org.altdiffusion.prompt.PromptSchedules;
import org.altdiffusion.tokenizer.Encoding;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Text in, the UNet's conditioning out: a tokenizer, its encoder and the one rule for the attention
 * mask. Used by the pipeline, UNet training and scorers, so that a model trains on the conditioning
 * it sees at inference.
 *
 * <p>Prompts are read as {@link PromptOptions} say: plain (diffusers: cut at the window) or as
 * AUTOMATIC1111 ({@code sd_hijack_clip}): weighted runs ({@link PromptAttention}) cut into chunks
 * ({@link PromptChunker}) of {@link #chunkLength()} tokens, each chunk encoded on its own with the
 * start/end tokens, then multiplied by its tokens' weights and scaled back to its mean before the
 * weights, the chunks concatenated. For XLM-R, positions after the first end token are padding and
 * masked (A1111's {@code sd_hijack_xlmr}).
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
    return Precision.toFloat32(
        TorchErrors.guard("text encoder", () -> encoder.encode(tokens.ids(), mask)));
  }

  /** [B, T, D] for {@code texts} at {@code maxLength} tokens. */
  public Tensor encode(List<String> texts, int maxLength) {
    return encode(tokenize(texts, maxLength));
  }

  /**
   * Most tokens one A1111 prompt may take, in whole chunks (A1111 sets no limit; 133 chunks of 75
   * is far beyond use, and each chunk lengthens every cross-attention).
   */
  public static final int MAX_TOKENS = 10_000;

  /** Most chunks one prompt may take: {@link #MAX_TOKENS} in chunks of {@link #chunkLength()}. */
  public int maxChunks() {
    return (MAX_TOKENS + chunkLength() - 1) / chunkLength();
  }

  /**
   * Tokens per A1111 chunk: 75, or fewer when the encoder's window (tokenizer and positions) holds
   * fewer than 77 (the built-in model's 32 gives 30).
   */
  public int chunkLength() {
    int window = Math.min(maxLength(), encoder.maxTokens());
    return Math.min(PromptChunker.A1111_CHUNK, window - 2);
  }

  /** The chunker of this tokenizer: its start, end and comma tokens, A1111's backtrack of 20. */
  public PromptChunker chunker() {
    Encoding empty = tokenizer.encode("", Math.max(2, maxLength()));
    long[] framed = empty.ids();
    long[] mask = empty.attentionMask();
    int specials = 0;
    for (long m : mask) specials += (int) m;
    if (specials != 2)
      throw new IllegalArgumentException(
          "A1111 prompt syntax needs a tokenizer that frames text with one start and one end token;"
              + " this one adds "
              + specials
              + "; use the plain prompt syntax");
    return new PromptChunker(
        chunkLength(),
        (int) framed[0],
        (int) framed[1],
        tokenizer.commaId(),
        PromptChunker.COMMA_BACKTRACK);
  }

  /** The A1111 chunks of {@code prompt} (refusing prompt editing, alternation and AND). */
  public List<PromptChunker.Chunk> chunks(String prompt, PromptOptions options, boolean positive) {
    PromptSchedules.check(prompt, positive);
    var vocabulary =
        new PromptChunker.Vocabulary(options.embeddings(), name -> tokenizer.tokenIds(name));
    List<PromptChunker.Chunk> chunks =
        chunker().chunks(PromptAttention.parse(prompt), tokenizer::tokenIds, vocabulary);
    int limit = maxChunks();
    if (chunks.size() > limit)
      throw new IllegalArgumentException(
          (positive ? "prompt" : "negative prompt")
              + ": "
              + chunks.size()
              + " chunks of "
              + chunkLength()
              + " tokens; at most "
              + limit
              + " are accepted ("
              + MAX_TOKENS
              + " tokens)");
    return chunks;
  }

  /**
   * {@code prompt} as the UNet's context, [1, T, D]: plain (T = the window) or A1111 (T = chunks x
   * (chunkLength + 2)).
   *
   * @param positive whether it is the positive prompt (A1111 reads AND only there)
   */
  public Tensor encodePrompt(String prompt, PromptOptions options, boolean positive) {
    if (options.syntax() == PromptOptions.Syntax.PLAIN) {
      Tokens t = tokenize(List.of(prompt), maxLength());
      Tensor mask = useAttentionMask ? t.mask() : null;
      return Precision.toFloat32(
          TorchErrors.guard(
              "text encoder", () -> encoder.encode(t.ids(), mask, null, options.clipSkip())));
    }
    return encodeChunks(chunks(prompt, options, positive), options.clipSkip());
  }

  /**
   * Each chunk encoded on its own ([1, chunkLength + 2, D]), weighted and mean-restored as A1111's
   * "Original" emphasis, concatenated: [1, chunks x (chunkLength + 2), D].
   */
  public Tensor encodeChunks(List<PromptChunker.Chunk> chunks, int clipSkip) {
    TensorVector parts = new TensorVector();
    int end = chunker().endId();
    for (PromptChunker.Chunk c : chunks) parts.push_back(encodeChunk(c, end, clipSkip));
    return chunks.size() == 1 ? parts.get(0) : torch.cat(parts, 1); // [1, n x (L + 2), D]
  }

  private Tensor encodeChunk(PromptChunker.Chunk chunk, int end, int clipSkip) {
    int[] tokens = chunk.tokens();
    int t = tokens.length;
    long[] ids = new long[t];
    long[] mask = new long[t];
    int pad = tokenizer.padId();
    boolean afterEnd = false;
    for (int i = 0; i < t; i++) {
      // A1111: when the end token is not the padding token, everything after the first end is pad
      ids[i] = afterEnd && end != pad ? pad : tokens[i];
      if (tokens[i] == end) afterEnd = true;
      mask[i] = ids[i] != pad ? 1 : 0;
    }
    Tensor idTensor = Tensors.fromLongs(ids, 1, t); // [1, T]
    Tensor maskTensor = useAttentionMask ? Tensors.fromLongs(mask, 1, t) : null; // [1, T]
    UnaryOperator<Tensor> vectors = chunk.fixes().isEmpty() ? null : placeEmbeddings(chunk);
    Tensor z = // float32 from here: A1111's emphasis and mean restoring
        Precision.toFloat32(
            TorchErrors.guard(
                "text encoder", () -> encoder.encode(idTensor, maskTensor, vectors, clipSkip)));
    double[] weights = chunk.multipliers();
    float[] w = new float[t];
    for (int i = 0; i < t; i++) w[i] = (float) weights[i];
    Tensor multipliers =
        ComputeDevice.of(z).place(Tensors.fromFloats(w, 1, t, 1)); // [1, T, 1], broadcast over D
    Tensor originalMean = z.mean();
    Tensor weighted = z.mul(multipliers);
    return weighted.mul(originalMean.div(weighted.mean())); // [1, T, D]
  }

  /** The chunk's embeddings written over the placeholder tokens' vectors ([1, T, width]). */
  private UnaryOperator<Tensor> placeEmbeddings(PromptChunker.Chunk chunk) {
    long width = encoder.tokenWidth();
    for (PromptChunker.Fix f : chunk.fixes()) {
      if (f.embedding().width() != width)
        throw new IllegalArgumentException(
            "embedding '"
                + f.embedding().name()
                + "' ("
                + f.embedding().path().getFileName()
                + ") has vectors of width "
                + f.embedding().width()
                + " but this model's text encoder ("
                + encoder.getClass().getSimpleName()
                + ") takes "
                + width
                + "; it was made for another text encoder");
    }
    return tokens -> {
      Tensor out = tokens.clone(); // [1, T, width]
      long t = out.size(1);
      for (PromptChunker.Fix f : chunk.fixes()) {
        long n = Math.min(t - f.position(), f.embedding().count());
        if (n <= 0) continue;
        out.select(0, 0)
            .narrow(0, f.position(), n)
            .copy_(f.embedding().vectors().narrow(0, 0, n)); // [n, width]
      }
      return out;
    };
  }

  /**
   * Contexts of several prompts made equally long, as guidance needs: each shorter one followed by
   * the empty prompt's chunk as often as needed (A1111's "pad prompt/negative prompt to be same
   * length"). Each [1, T_i, D] in, each [1, max T, D] out.
   */
  public List<Tensor> padToSameLength(List<Tensor> contexts, PromptOptions options) {
    long longest = 0;
    for (Tensor c : contexts) longest = Math.max(longest, c.size(1));
    Tensor empty = null;
    List<Tensor> out = new ArrayList<>();
    for (Tensor c : contexts) {
      long missing = longest - c.size(1);
      if (missing == 0) {
        out.add(c);
        continue;
      }
      if (empty == null) empty = encodePrompt("", options, false); // [1, L + 2, D]
      if (missing % empty.size(1) != 0)
        throw new IllegalStateException(
            "contexts of " + c.size(1) + " and " + longest + " tokens are not whole chunks apart");
      Tensor repeated = empty.repeat(1, missing / empty.size(1), 1); // [1, missing, D]
      out.add(torch.cat(new TensorVector(c, repeated), 1)); // [1, longest, D]
    }
    return out;
  }

  /** Tokens of {@code prompt} beyond the window (0 for A1111 syntax, which never truncates). */
  public int truncatedTokens(String prompt, PromptOptions options) {
    if (options.syntax() == PromptOptions.Syntax.A1111) return 0;
    Encoding e = tokenizer.encode(prompt, maxLength());
    return Math.max(0, e.untruncatedLength() - e.length());
  }
}
