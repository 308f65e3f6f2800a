package org.altdiffusion.models.text;

import java.nio.file.Path;
import java.util.Set;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;

/**
 * CLIP's text tower, as transformers' {@code CLIPTextConfig} (4.44) reads {@code config.json}. A
 * full {@code CLIPConfig} file is accepted too: its {@code text_config} object is read.
 *
 * @param vocabSize {@code vocab_size}, default 49408
 * @param hiddenSize {@code hidden_size}, default 512
 * @param intermediateSize {@code intermediate_size}, default 2048
 * @param projectionDim {@code projection_dim}, default 512 (width of {@code text_projection})
 * @param numHiddenLayers {@code num_hidden_layers}, default 12
 * @param numAttentionHeads {@code num_attention_heads}, default 8; must divide hidden_size
 * @param maxPositionEmbeddings {@code max_position_embeddings}, default 77: the longest sequence
 * @param hiddenAct {@code hidden_act}, default "quick_gelu"; "gelu" (exact) also accepted
 * @param layerNormEps {@code layer_norm_eps}, default 1e-5
 * @param padTokenId {@code pad_token_id}, default 1 (informational)
 * @param bosTokenId {@code bos_token_id}, default 49406 (informational)
 * @param eosTokenId {@code eos_token_id}, default 49407: selects the pooled token. The value 2
 *     (configs written before transformers PR #24773) means "the position of the largest id"; any
 *     other value means "the first position holding eos_token_id".
 */
public record ClipTextConfig(
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int projectionDim,
    int numHiddenLayers,
    int numAttentionHeads,
    int maxPositionEmbeddings,
    Activation hiddenAct,
    double layerNormEps,
    int padTokenId,
    int bosTokenId,
    int eosTokenId) {

  public ClipTextConfig {
    XlmRobertaConfig.positive("vocab_size", vocabSize);
    XlmRobertaConfig.positive("hidden_size", hiddenSize);
    XlmRobertaConfig.positive("intermediate_size", intermediateSize);
    XlmRobertaConfig.positive("projection_dim", projectionDim);
    XlmRobertaConfig.positive("num_hidden_layers", numHiddenLayers);
    XlmRobertaConfig.positive("num_attention_heads", numAttentionHeads);
    XlmRobertaConfig.positive("max_position_embeddings", maxPositionEmbeddings);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size "
              + hiddenSize
              + " is not a multiple of num_attention_heads "
              + numAttentionHeads);
    }
    if (!(layerNormEps > 0))
      throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
  }

  /** True for the pre-#24773 configs whose eos_token_id is 2: pool at the largest id. */
  public boolean legacyEosPooling() {
    return eosTokenId == 2;
  }

  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  public static ClipTextConfig read(Path configJson) {
    return from(JsonConfig.read(configJson));
  }

  public static ClipTextConfig from(JsonConfig config) {
    if (config.node("text_config") != null && config.node("text_config").isObject()) {
      config = config.object("text_config");
    }
    Activation act =
        Activation.read(
            config, "hidden_act", "quick_gelu", Set.of(Activation.QUICK_GELU, Activation.GELU));
    try {
      return new ClipTextConfig(
          config.integer("vocab_size", 49408),
          config.integer("hidden_size", 512),
          config.integer("intermediate_size", 2048),
          config.integer("projection_dim", 512),
          config.integer("num_hidden_layers", 12),
          config.integer("num_attention_heads", 8),
          config.integer("max_position_embeddings", 77),
          act,
          config.real("layer_norm_eps", 1e-5),
          config.integer("pad_token_id", 1),
          config.integer("bos_token_id", 49406),
          config.integer("eos_token_id", 49407));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(config.file(), e.getMessage());
    }
  }
}
