package org.altdiffusion.models.clip;

import java.util.Set;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.models.text.Activation;
import org.altdiffusion.models.text.XlmRobertaConfig;
import org.altdiffusion.models.text.XlmRobertaModel;
import org.altdiffusion.nn.LayerNorm;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers' {@code AltCLIPTextModel}: an XLM-R body ({@code AltRobertaModel} without pooler,
 * under {@code roberta.}), then {@code pre_LN} and {@code transformation} ([hidden] ->
 * [project_dim]); its pooled output is the transformed first token ({@code <s>}).
 */
public final class AltClipTextModel extends Module {
  public final XlmRobertaConfig body;
  public final int projectDim;
  private final XlmRobertaModel roberta;
  private final LayerNorm preLN;
  private final Linear transformation;

  public AltClipTextModel(XlmRobertaConfig body, int projectDim) {
    if (projectDim < 1)
      throw new IllegalArgumentException("project_dim must be > 0, got " + projectDim);
    this.body = body;
    this.projectDim = projectDim;
    roberta = child("roberta", new XlmRobertaModel(body));
    transformation = child("transformation", new Linear(body.hiddenSize(), projectDim));
    preLN = child("pre_LN", new LayerNorm(body.hiddenSize(), body.layerNormEps()));
  }

  /**
   * The model for the {@code text_config} object of an AltCLIP {@code config.json}, with {@code
   * AltCLIPTextConfig}'s defaults (XLM-R large, project_dim 768) for the fields it leaves out.
   */
  public static AltClipTextModel from(JsonConfig model) {
    if (model.node("text_config") == null || !model.node("text_config").isObject()) {
      throw model.error("text_config", "an AltCLIP config needs a text_config object");
    }
    JsonConfig c = model.object("text_config");
    String positions = c.string("position_embedding_type", "absolute");
    if (!positions.equals("absolute")) {
      throw c.error(
          "position_embedding_type", "'" + positions + "' is not supported; accepted: absolute");
    }
    Activation act = ClipVisionConfig.activation(c, "gelu");
    if (!Set.of(Activation.GELU).contains(act)) {
      throw c.error("hidden_act", "the XLM-R body takes gelu, got " + act.configName);
    }
    try {
      XlmRobertaConfig body =
          new XlmRobertaConfig(
              c.integer("vocab_size", 250002),
              c.integer("hidden_size", 1024),
              c.integer("num_hidden_layers", 24),
              c.integer("num_attention_heads", 16),
              c.integer("intermediate_size", 4096),
              act,
              c.integer("max_position_embeddings", 514),
              c.integer("type_vocab_size", 1),
              c.real("layer_norm_eps", 1e-5),
              c.integer("pad_token_id", 1),
              c.integer("bos_token_id", 0),
              c.integer("eos_token_id", 2));
      return new AltClipTextModel(body, c.integer("project_dim", 768));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(c.file(), "text_config: " + e.getMessage());
    }
  }

  /**
   * The pooled output: transformation(pre_LN(last hidden state))[:, 0].
   *
   * @param ids [B, T] token ids, {@code <s>} first
   * @param attentionMask [B, T] (1 = token, 0 = padding) or null
   * @return [B, project_dim]
   */
  public Tensor pooled(Tensor ids, Tensor attentionMask) {
    Tensor last = roberta.forward(ids, attentionMask); // [B, T, hidden]
    return guarded(
        "projection",
        () -> transformation.forward(preLN.forward(last.select(1, 0)))); // [B, project_dim]
  }
}
