package org.altdiffusion.models.text;

import java.util.Set;
import org.altdiffusion.io.JsonConfig;

/**
 * The XLM-RoBERTa body, as transformers' {@code XLMRobertaConfig} (4.44) reads {@code config.json}.
 * Absent fields take the reference defaults given below.
 *
 * @param vocabSize {@code vocab_size}, default 30522 (the AltDiffusion checkpoints: 250002)
 * @param hiddenSize {@code hidden_size}, default 768
 * @param numHiddenLayers {@code num_hidden_layers}, default 12
 * @param numAttentionHeads {@code num_attention_heads}, default 12; must divide hidden_size
 * @param intermediateSize {@code intermediate_size}, default 3072
 * @param hiddenAct {@code hidden_act}, default "gelu" (the exact erf form; the only one accepted)
 * @param maxPositionEmbeddings {@code max_position_embeddings}, default 512
 * @param typeVocabSize {@code type_vocab_size}, default 2 (only type 0 is ever used)
 * @param layerNormEps {@code layer_norm_eps}, default 1e-12
 * @param padTokenId {@code pad_token_id}, default 1: the padding id, also the position offset
 * @param bosTokenId {@code bos_token_id}, default 0 (informational)
 * @param eosTokenId {@code eos_token_id}, default 2 (informational)
 */
public record XlmRobertaConfig(
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    Activation hiddenAct,
    int maxPositionEmbeddings,
    int typeVocabSize,
    double layerNormEps,
    int padTokenId,
    int bosTokenId,
    int eosTokenId) {

  public XlmRobertaConfig {
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("intermediate_size", intermediateSize);
    positive("max_position_embeddings", maxPositionEmbeddings);
    positive("type_vocab_size", typeVocabSize);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size "
              + hiddenSize
              + " is not a multiple of num_attention_heads "
              + numAttentionHeads);
    }
    if (hiddenAct != Activation.GELU)
      throw new IllegalArgumentException("hidden_act must be gelu, got " + hiddenAct);
    if (!(layerNormEps > 0))
      throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
    if (padTokenId < 0 || padTokenId >= vocabSize) {
      throw new IllegalArgumentException(
          "pad_token_id " + padTokenId + " outside the vocabulary [0, " + vocabSize + ")");
    }
    if (padTokenId + 1 >= maxPositionEmbeddings) {
      throw new IllegalArgumentException(
          "max_position_embeddings "
              + maxPositionEmbeddings
              + " leaves no position after the padding offset "
              + padTokenId);
    }
  }

  /** The body of the published AltDiffusion encoders (XLM-R large). */
  public static XlmRobertaConfig large() {
    return new XlmRobertaConfig(250002, 1024, 24, 16, 4096, Activation.GELU, 514, 1, 1e-5, 1, 0, 2);
  }

  /** Reads the body fields of {@code config}; unsupported variants are errors naming the field. */
  public static XlmRobertaConfig from(JsonConfig config) {
    String positions = config.string("position_embedding_type", "absolute");
    if (!positions.equals("absolute")) {
      throw config.error(
          "position_embedding_type", "'" + positions + "' is not supported; accepted: absolute");
    }
    if (config.bool("is_decoder", false))
      throw config.error("is_decoder", "decoder (causal) XLM-R is not supported; accepted: false");
    if (config.bool("add_cross_attention", false))
      throw config.error(
          "add_cross_attention", "cross-attention is not supported; accepted: false");
    Activation act = Activation.read(config, "hidden_act", "gelu", Set.of(Activation.GELU));
    try {
      return new XlmRobertaConfig(
          config.integer("vocab_size", 30522),
          config.integer("hidden_size", 768),
          config.integer("num_hidden_layers", 12),
          config.integer("num_attention_heads", 12),
          config.integer("intermediate_size", 3072),
          act,
          config.integer("max_position_embeddings", 512),
          config.integer("type_vocab_size", 2),
          config.real("layer_norm_eps", 1e-12),
          config.integer("pad_token_id", 1),
          config.integer("bos_token_id", 0),
          config.integer("eos_token_id", 2));
    } catch (IllegalArgumentException e) {
      throw new org.altdiffusion.io.CheckpointException(config.file(), e.getMessage());
    }
  }

  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /**
   * Longest id sequence the position table allows: positions run from pad+1 to pad+T, and the table
   * has max_position_embeddings rows (514 -> 512 tokens).
   */
  public int maxTokens() {
    return maxPositionEmbeddings - padTokenId - 1;
  }

  static void positive(String field, int value) {
    if (value <= 0) throw new IllegalArgumentException(field + " must be > 0, got " + value);
  }
}
