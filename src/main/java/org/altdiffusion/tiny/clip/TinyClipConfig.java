package org.altdiffusion.tiny.clip;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.models.text.Activation;
import org.altdiffusion.models.text.ClipTextConfig;

/**
 * The teacher CLIP: text tower, image tower and the shared embedding space. The folder's {@code
 * config.json} holds {@code projection_dim} and {@code logit_scale_init_value} (CLIPConfig's
 * names); each tower has its own folder and config.
 *
 * @param projectionDim {@code projection_dim}, default 128: width of the shared space
 * @param logitScaleInitValue {@code logit_scale_init_value}, default ln(1/0.07) = 2.6592 (CLIP's)
 * @param text the text tower (transformers' CLIPTextConfig)
 * @param image the image tower
 */
public record TinyClipConfig(
    int projectionDim,
    double logitScaleInitValue,
    ClipTextConfig text,
    TinyImageEncoderConfig image) {
  public static final String MODEL_TYPE = "altdiffusion_tiny_clip";

  /** CLIP's initial temperature: logits = exp(scale) * cosine, exp(2.6592) = 1 / 0.07. */
  public static final double DEFAULT_LOGIT_SCALE = Math.log(1 / 0.07);

  public TinyClipConfig {
    if (projectionDim < 1)
      throw new IllegalArgumentException("projection_dim must be >= 1, got " + projectionDim);
    if (text.projectionDim() != projectionDim) {
      throw new IllegalArgumentException(
          "text config projection_dim " + text.projectionDim() + " differs from " + projectionDim);
    }
  }

  /**
   * The default teacher for a tokenizer of {@code vocabSize} ids whose start and end tokens are
   * {@code bosId} and {@code eosId}: text tower hidden 128, 4 layers, 4 heads, MLP 512, quick GELU,
   * {@code maxLength} positions; the default image tower; a 128-wide shared space.
   */
  public static TinyClipConfig defaults(int vocabSize, int bosId, int eosId, int maxLength) {
    int projection = 128;
    ClipTextConfig text =
        new ClipTextConfig(
            vocabSize,
            128,
            512,
            projection,
            4,
            4,
            maxLength,
            Activation.QUICK_GELU,
            1e-5,
            eosId,
            bosId,
            eosId);
    return new TinyClipConfig(
        projection, DEFAULT_LOGIT_SCALE, text, TinyImageEncoderConfig.defaults());
  }

  /** The text tower's config.json, as transformers' CLIPTextConfig.save_pretrained writes it. */
  public static Map<String, Object> textConfigJson(ClipTextConfig c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("architectures", java.util.List.of("CLIPTextModel"));
    m.put("attention_dropout", 0.0);
    m.put("bos_token_id", c.bosTokenId());
    m.put("dropout", 0.0);
    m.put("eos_token_id", c.eosTokenId());
    m.put("hidden_act", c.hiddenAct().configName);
    m.put("hidden_size", c.hiddenSize());
    m.put("initializer_factor", 1.0);
    m.put("initializer_range", 0.02);
    m.put("intermediate_size", c.intermediateSize());
    m.put("layer_norm_eps", c.layerNormEps());
    m.put("max_position_embeddings", c.maxPositionEmbeddings());
    m.put("model_type", "clip_text_model");
    m.put("num_attention_heads", c.numAttentionHeads());
    m.put("num_hidden_layers", c.numHiddenLayers());
    m.put("pad_token_id", c.padTokenId());
    m.put("projection_dim", c.projectionDim());
    m.put("torch_dtype", "float32");
    m.put("transformers_version", "4.44.2");
    m.put("vocab_size", c.vocabSize());
    return m;
  }

  /** The folder's own config.json. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model_type", MODEL_TYPE);
    m.put("projection_dim", projectionDim);
    m.put("logit_scale_init_value", logitScaleInitValue);
    return m;
  }

  /** Reads the three configs of a saved teacher folder. */
  public static TinyClipConfig read(Path folder) {
    Path file = folder.resolve(TinyClip.CONFIG);
    JsonConfig c = JsonConfig.read(file);
    String type = c.string("model_type", "");
    if (!MODEL_TYPE.equals(type))
      throw c.error("model_type", "expected \"" + MODEL_TYPE + "\", got \"" + type + "\"");
    ClipTextConfig text =
        ClipTextConfig.read(folder.resolve(TinyClip.TEXT_ENCODER).resolve("config.json"));
    TinyImageEncoderConfig image =
        TinyImageEncoderConfig.read(folder.resolve(TinyClip.IMAGE_ENCODER).resolve("config.json"));
    try {
      return new TinyClipConfig(
          c.integer("projection_dim", 128),
          c.real("logit_scale_init_value", DEFAULT_LOGIT_SCALE),
          text,
          image);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(file, e.getMessage());
    }
  }
}
