package org.altdiffusion.models.text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.nn.Attention;
import org.altdiffusion.nn.Embedding;
import org.altdiffusion.nn.LayerNorm;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * CLIP's text transformer (transformers' {@code CLIPTextTransformer}, found under {@code
 * text_model.} in checkpoints): token + learned position embeddings, pre-LN causal transformer
 * layers, a final LayerNorm, and the pooled vector at the end-of-text token.
 */
public final class ClipTextTransformer extends Module {
  public final ClipTextConfig config;
  public final Embedding tokenEmbedding;
  public final Embedding positionEmbedding;
  public final ModuleList<Layer> layers;
  public final LayerNorm finalLayerNorm;

  public ClipTextTransformer(ClipTextConfig config) {
    this.config = config;
    Embeddings embeddings = child("embeddings", new Embeddings(config));
    tokenEmbedding = embeddings.tokenEmbedding;
    positionEmbedding = embeddings.positionEmbedding;
    layers = child("encoder", new Encoder()).layers;
    for (int i = 0; i < config.numHiddenLayers(); i++) layers.add(new Layer(config));
    finalLayerNorm =
        child("final_layer_norm", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
  }

  /** Old checkpoints saved the position_ids buffer. */
  @Override
  protected List<Pattern> ignoredKeys() {
    return List.of(Pattern.compile("embeddings\\.position_ids"));
  }

  /**
   * @param lastHiddenState [B, T, hidden], after the final LayerNorm (the SD 1.x conditioning)
   * @param hiddenStates the embedding output and each layer's output, before any final LayerNorm
   *     (num_hidden_layers + 1 tensors, the reference's {@code hidden_states})
   * @param pooled [B, hidden]: lastHiddenState at the end-of-text token
   */
  public record Output(Tensor lastHiddenState, List<Tensor> hiddenStates, Tensor pooled) {
    /**
     * The second-to-last layer's output, raw ({@code hidden_states[-2]}). "Clip skip" in diffusers
     * applies {@link ClipTextTransformer#finalLayerNorm} to it.
     */
    public Tensor penultimate() {
      return hiddenStates.get(hiddenStates.size() - 2);
    }
  }

  /**
   * A1111's "clip skip": 1 = the last hidden state (final LayerNorm applied); N > 1 = the hidden
   * state N from the end ({@code hidden_states[-N]}) through the final LayerNorm. [B, T, hidden].
   */
  public Tensor skipped(Output out, int clipSkip) {
    int layers = config.numHiddenLayers();
    if (clipSkip < 1 || clipSkip > layers)
      throw new IllegalArgumentException(
          "clip skip must be between 1 and "
              + layers
              + " (this CLIP text model's layers), got "
              + clipSkip);
    if (clipSkip == 1) return out.lastHiddenState();
    List<Tensor> hidden = out.hiddenStates();
    return guarded(
        "final_layer_norm", () -> finalLayerNorm.forward(hidden.get(hidden.size() - clipSkip)));
  }

  /** ids [B, T], mask [B, T] or null (causal attention only) -> {@link Output}. */
  public Output forward(Tensor ids, Tensor attentionMask) {
    return forward(ids, attentionMask, null);
  }

  /**
   * As {@link #forward(Tensor, Tensor)}, the token embeddings ([B, T, hidden]) passed through
   * {@code tokenVectors} before positions are added (textual inversion); null = unchanged.
   */
  public Output forward(Tensor ids, Tensor attentionMask, UnaryOperator<Tensor> tokenVectors) {
    // checked where they were made (the CPU: the checks read values), then moved to the weights
    ComputeDevice device = device();
    Tensor checkedIds =
        device.place(
            TextInputs.checkIds(
                ids, config.vocabSize(), config.maxPositionEmbeddings(), "CLIP text model"));
    Tensor mask =
        TextInputs.onDevice(TextInputs.checkMask(attentionMask, ids, "CLIP text model"), device);
    return guarded(
        "forward",
        () -> {
          long t = checkedIds.size(1);
          Tensor additive = additiveMask(mask, t, checkedIds, dtype());
          List<Tensor> hidden = new ArrayList<>();
          Tensor positions =
              positionEmbedding.weight.get().narrow(0, 0, t); // [T, hidden], broadcast over B
          Tensor tokens = tokenEmbedding.forward(checkedIds); // [B, T, hidden]
          if (tokenVectors != null) tokens = tokenVectors.apply(tokens);
          Tensor h = tokens.add(positions);
          hidden.add(h);
          for (Layer layer : layers) {
            h = layer.forward(h, additive);
            hidden.add(h);
          }
          Tensor last = finalLayerNorm.forward(h);
          return new Output(last, hidden, pool(last, checkedIds));
        });
  }

  /**
   * The reference's mask: a causal part (float32.min above the diagonal) plus, when given, the
   * padding part (float32.min at padding keys); where both apply the sum overflows to -inf, exactly
   * as in the reference. [1 or B, 1, T, T].
   */
  static Tensor additiveMask(Tensor mask, long t, Tensor like) {
    return additiveMask(mask, t, like, torch.ScalarType.Float);
  }

  /** The mask in {@code dtype} (the weights'), with that type's lowest value as transformers. */
  static Tensor additiveMask(Tensor mask, long t, Tensor like, torch.ScalarType dtype) {
    Scalar min = new Scalar(Precision.lowest(dtype));
    Tensor causal =
        torch
            .full(new long[] {t, t}, min, ComputeDevice.of(like).options(dtype))
            .triu(1)
            .view(1, 1, t, t); // [1, 1, T, T]
    if (mask == null) return causal;
    Tensor inverted = mask.to(dtype).neg().add(new Scalar(1.0));
    Tensor padding =
        inverted
            .masked_fill(inverted.ne(new Scalar(0.0)), min)
            .view(mask.size(0), 1, 1, t); // [B, 1, 1, T]
    return padding.add(causal); // [B, 1, T, T]
  }

  /**
   * Picks the end-of-text position per row, as transformers 4.44 does: for legacy configs
   * (eos_token_id 2) the position of the largest id, else the first position holding eos_token_id
   * (position 0 when a row has none).
   */
  private Tensor pool(Tensor last, Tensor ids) {
    Tensor intIds = ids.to(torch.ScalarType.Int);
    Tensor position =
        config.legacyEosPooling()
            ? intIds.argmax(new org.bytedeco.pytorch.LongOptional(-1), false)
            : intIds
                .eq(new Scalar(config.eosTokenId()))
                .to(torch.ScalarType.Int)
                .argmax(new org.bytedeco.pytorch.LongOptional(-1), false);
    long b = last.size(0);
    Tensor index = position.view(b, 1, 1).expand(b, 1, last.size(2)); // [B, 1, hidden]
    return last.gather(1, index).squeeze(1); // [B, hidden]
  }

  /** Holds {@code token_embedding} and {@code position_embedding}. */
  static final class Embeddings extends Module {
    final Embedding tokenEmbedding;
    final Embedding positionEmbedding;

    Embeddings(ClipTextConfig c) {
      tokenEmbedding = child("token_embedding", new Embedding(c.vocabSize(), c.hiddenSize()));
      positionEmbedding =
          child("position_embedding", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
    }
  }

  /** Holds the layer list under the reference's name {@code encoder.layers}. */
  static final class Encoder extends Module {
    final ModuleList<Layer> layers = child("layers", new ModuleList<>());
  }

  /** One pre-LN layer: h + attn(ln1(h)), then h + mlp(ln2(h)). */
  public static final class Layer extends Module {
    public final long heads;
    public final Activation activation;
    public final LayerNorm layerNorm1;
    public final Linear qProj;
    public final Linear kProj;
    public final Linear vProj;
    public final Linear outProj;
    public final LayerNorm layerNorm2;
    public final Linear fc1;
    public final Linear fc2;

    Layer(ClipTextConfig c) {
      this(
          c.hiddenSize(),
          c.numAttentionHeads(),
          c.intermediateSize(),
          c.hiddenAct(),
          c.layerNormEps());
    }

    /**
     * A layer of any CLIP encoder (transformers' {@code CLIPEncoderLayer}, also the vision
     * tower's): width {@code d}, {@code heads} heads, MLP width {@code inner}.
     */
    public Layer(long d, long heads, long inner, Activation activation, double layerNormEps) {
      this.heads = heads;
      this.activation = activation;
      SelfAttention attn = child("self_attn", new SelfAttention(d));
      qProj = attn.q;
      kProj = attn.k;
      vProj = attn.v;
      outProj = attn.out;
      layerNorm1 = child("layer_norm1", new LayerNorm(d, layerNormEps));
      Mlp mlp = child("mlp", new Mlp(d, inner));
      fc1 = mlp.fc1;
      fc2 = mlp.fc2;
      layerNorm2 = child("layer_norm2", new LayerNorm(d, layerNormEps));
    }

    /** h [B, T, hidden], additiveMask [1 or B, 1, T, T] or null (none) -> [B, T, hidden]. */
    public Tensor forward(Tensor h, Tensor additiveMask) {
      Tensor x = layerNorm1.forward(h);
      Tensor attended =
          Attention.attend(
              qProj.forward(x), kProj.forward(x), vProj.forward(x), heads, additiveMask);
      h = h.add(outProj.forward(attended));
      Tensor y = fc2.forward(activation.apply(fc1.forward(layerNorm2.forward(h))));
      return h.add(y);
    }
  }

  /** {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj}, all with bias. */
  static final class SelfAttention extends Module {
    final Linear k;
    final Linear v;
    final Linear q;
    final Linear out;

    SelfAttention(long d) {
      k = child("k_proj", new Linear(d, d));
      v = child("v_proj", new Linear(d, d));
      q = child("q_proj", new Linear(d, d));
      out = child("out_proj", new Linear(d, d));
    }
  }

  /** {@code fc1}, {@code fc2}. */
  static final class Mlp extends Module {
    final Linear fc1;
    final Linear fc2;

    Mlp(long d, long inner) {
      fc1 = child("fc1", new Linear(d, inner));
      fc2 = child("fc2", new Linear(inner, d));
    }
  }
}
