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
 * The XLM-RoBERTa encoder body without pooler (transformers' {@code XLMRobertaModel}): token +
 * token-type + position embeddings with LayerNorm, then post-LayerNorm transformer layers with
 * exact GELU. Parameter names are the reference's, relative to this module ({@code
 * embeddings.word_embeddings.weight}, {@code encoder.layer.3.attention.self.query.weight}).
 */
public final class XlmRobertaModel extends Module {
  public final XlmRobertaConfig config;
  public final Embeddings embeddings;
  public final ModuleList<Layer> layers;

  public XlmRobertaModel(XlmRobertaConfig config) {
    this.config = config;
    this.embeddings = child("embeddings", new Embeddings(config));
    Encoder encoder = child("encoder", new Encoder());
    this.layers = encoder.layer;
    for (int i = 0; i < config.numHiddenLayers(); i++) layers.add(new Layer(config));
  }

  /**
   * The pooler is not part of the encoder output AltDiffusion uses; old checkpoints also carry the
   * position_ids / token_type_ids buffers.
   */
  @Override
  protected List<Pattern> ignoredKeys() {
    return List.of(
        Pattern.compile("pooler\\..*"),
        Pattern.compile("embeddings\\.(position_ids|token_type_ids)"));
  }

  /** ids [B, T], mask [B, T] or null -> last hidden state [B, T, hidden]. */
  public Tensor forward(Tensor ids, Tensor attentionMask) {
    List<Tensor> all = hiddenStates(ids, attentionMask, config.numHiddenLayers());
    return all.get(all.size() - 1);
  }

  /**
   * The embedding output followed by the output of each of the first {@code layerCount} layers
   * (layerCount + 1 tensors, each [B, T, hidden]); with layerCount = num_hidden_layers this is the
   * reference's {@code hidden_states} tuple. Later layers are not run.
   */
  public List<Tensor> hiddenStates(Tensor ids, Tensor attentionMask, int layerCount) {
    return hiddenStates(ids, attentionMask, layerCount, null);
  }

  /**
   * As {@link #hiddenStates(Tensor, Tensor, int)}, with the word embeddings ([B, T, hidden]) passed
   * through {@code wordVectors} before positions are added (textual inversion); null = unchanged.
   */
  public List<Tensor> hiddenStates(
      Tensor ids, Tensor attentionMask, int layerCount, UnaryOperator<Tensor> wordVectors) {
    if (layerCount < 0 || layerCount > layers.size()) {
      throw new IllegalArgumentException(
          "layerCount " + layerCount + " outside [0, " + layers.size() + "]");
    }
    // checked where they were made (the CPU: the checks read values), then moved to the weights
    ComputeDevice device = device();
    Tensor checkedIds =
        device.place(
            TextInputs.checkIds(ids, config.vocabSize(), config.maxTokens(), "XLM-RoBERTa"));
    Tensor mask =
        TextInputs.onDevice(TextInputs.checkMask(attentionMask, ids, "XLM-RoBERTa"), device);
    return guarded(
        "forward",
        () -> {
          Tensor additive = additiveMask(mask, dtype());
          List<Tensor> out = new ArrayList<>();
          Tensor h = embeddings.forward(checkedIds, wordVectors);
          out.add(h);
          for (int i = 0; i < layerCount; i++) {
            h = layers.get(i).forward(h, additive);
            out.add(h);
          }
          return out;
        });
  }

  /**
   * The reference's extended attention mask: (1 - mask) * float32.min, [B, 1, 1, T], added to the
   * attention scores so padding keys get no weight. Null (attend everywhere) when no mask is given.
   */
  static Tensor additiveMask(Tensor mask) {
    return additiveMask(mask, torch.ScalarType.Float);
  }

  /** The mask in {@code dtype} (the weights'), with that type's lowest value as transformers. */
  static Tensor additiveMask(Tensor mask, torch.ScalarType dtype) {
    if (mask == null) return null;
    long b = mask.size(0);
    long t = mask.size(1);
    return mask.to(dtype)
        .neg()
        .add(new Scalar(1.0))
        .mul(new Scalar(Precision.lowest(dtype)))
        .view(b, 1, 1, t); // [B, 1, 1, T]
  }

  /**
   * XLM-R position ids: real tokens are numbered from pad+1 in order, padding tokens keep the
   * position pad: {@code cumsum(ids != pad) * (ids != pad) + pad}.
   */
  public static Tensor positionIds(Tensor ids, long pad) {
    Tensor real = ids.ne(new Scalar(pad)).to(torch.ScalarType.Int);
    Tensor counted = torch.cumsum(real, 1).to(torch.ScalarType.Int).mul(real);
    return counted.to(torch.ScalarType.Long).add(new Scalar(pad));
  }

  /** word + token type 0 + position embeddings, then LayerNorm. */
  public static final class Embeddings extends Module {
    public final long pad;
    public final Embedding wordEmbeddings;
    public final Embedding positionEmbeddings;
    public final Embedding tokenTypeEmbeddings;
    public final LayerNorm layerNorm;

    Embeddings(XlmRobertaConfig c) {
      pad = c.padTokenId();
      wordEmbeddings = child("word_embeddings", new Embedding(c.vocabSize(), c.hiddenSize()));
      positionEmbeddings =
          child("position_embeddings", new Embedding(c.maxPositionEmbeddings(), c.hiddenSize()));
      tokenTypeEmbeddings =
          child("token_type_embeddings", new Embedding(c.typeVocabSize(), c.hiddenSize()));
      layerNorm = child("LayerNorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
    }

    /**
     * ids [B, T] int64 -> [B, T, hidden]. Every token has type 0, as in the reference's default.
     * The word and position tables are looked up with padding_idx = pad, as the reference's {@code
     * nn.Embedding(..., padding_idx=pad)}: same values, but the padding row takes no gradient.
     */
    public Tensor forward(Tensor ids) {
      return forward(ids, null);
    }

    /** As {@link #forward(Tensor)}, the word vectors [B, T, hidden] changed by {@code words}. */
    public Tensor forward(Tensor ids, UnaryOperator<Tensor> words) {
      Tensor tokenType =
          tokenTypeEmbeddings.weight.get().select(0, 0); // [hidden], broadcast over B, T
      Tensor looked = Embedding.lookup(wordEmbeddings.weight.get(), ids, pad);
      Tensor wordVectors = words == null ? looked : words.apply(looked); // [B, T, hidden]
      Tensor positions =
          Embedding.lookup(positionEmbeddings.weight.get(), positionIds(ids, pad), pad);
      return layerNorm.forward(wordVectors.add(tokenType).add(positions));
    }
  }

  /** Holds the layer list under the reference's name {@code encoder.layer}. */
  static final class Encoder extends Module {
    final ModuleList<Layer> layer = child("layer", new ModuleList<>());
  }

  /** One post-LN transformer layer: attention, add & norm, feed-forward, add & norm. */
  public static final class Layer extends Module {
    public final SelfAttention selfAttention;
    public final DenseNorm attentionOutput;
    public final Linear intermediate;
    public final DenseNorm output;

    Layer(XlmRobertaConfig c) {
      AttentionBlock attention = child("attention", new AttentionBlock(c));
      selfAttention = attention.self;
      attentionOutput = attention.output;
      intermediate = child("intermediate", new Intermediate(c)).dense;
      output =
          child("output", new DenseNorm(c.intermediateSize(), c.hiddenSize(), c.layerNormEps()));
    }

    /** h [B, T, hidden], additiveMask [B, 1, 1, T] or null -> [B, T, hidden]. */
    public Tensor forward(Tensor h, Tensor additiveMask) {
      Tensor attended = selfAttention.forward(h, additiveMask);
      h = attentionOutput.forward(attended, h);
      Tensor inner = torch.gelu(intermediate.forward(h)); // exact (erf) GELU
      return output.forward(inner, h);
    }
  }

  /** {@code attention.self} and {@code attention.output}. */
  static final class AttentionBlock extends Module {
    final SelfAttention self;
    final DenseNorm output;

    AttentionBlock(XlmRobertaConfig c) {
      self = child("self", new SelfAttention(c));
      output = child("output", new DenseNorm(c.hiddenSize(), c.hiddenSize(), c.layerNormEps()));
    }
  }

  /** Multi-head self-attention with biases: {@code query}, {@code key}, {@code value}. */
  public static final class SelfAttention extends Module {
    public final long heads;
    public final Linear query;
    public final Linear key;
    public final Linear value;

    SelfAttention(XlmRobertaConfig c) {
      heads = c.numAttentionHeads();
      query = child("query", new Linear(c.hiddenSize(), c.hiddenSize()));
      key = child("key", new Linear(c.hiddenSize(), c.hiddenSize()));
      value = child("value", new Linear(c.hiddenSize(), c.hiddenSize()));
    }

    /** h [B, T, hidden] -> [B, T, hidden], heads concatenated (before the output projection). */
    public Tensor forward(Tensor h, Tensor additiveMask) {
      return Attention.attend(
          query.forward(h), key.forward(h), value.forward(h), heads, additiveMask);
    }
  }

  /** {@code dense} then {@code LayerNorm} of (result + residual). */
  public static final class DenseNorm extends Module {
    public final Linear dense;
    public final LayerNorm layerNorm;

    DenseNorm(long in, long out, double eps) {
      dense = child("dense", new Linear(in, out));
      layerNorm = child("LayerNorm", new LayerNorm(out, eps));
    }

    public Tensor forward(Tensor x, Tensor residual) {
      return layerNorm.forward(dense.forward(x).add(residual));
    }
  }

  /** Holds {@code intermediate.dense}. */
  static final class Intermediate extends Module {
    final Linear dense;

    Intermediate(XlmRobertaConfig c) {
      dense = child("dense", new Linear(c.hiddenSize(), c.intermediateSize()));
    }
  }
}
