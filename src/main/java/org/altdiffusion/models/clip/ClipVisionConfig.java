package org.altdiffusion.models.clip;

import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.models.text.Activation;

/**
 * CLIP's vision tower as transformers' {@code CLIPVisionConfig} / {@code AltCLIPVisionConfig}
 * (4.44) read the {@code vision_config} object of {@code config.json}; the defaults (both classes
 * share them) are ViT-B/32's.
 *
 * @param hiddenSize {@code hidden_size}, default 768
 * @param intermediateSize {@code intermediate_size}, default 3072
 * @param numAttentionHeads {@code num_attention_heads}, default 12
 * @param numHiddenLayers {@code num_hidden_layers}, default 12
 * @param numChannels {@code num_channels}, default 3
 * @param imageSize {@code image_size}, default 224
 * @param patchSize {@code patch_size}, default 32
 * @param hiddenAct {@code hidden_act}, default quick_gelu (gelu accepted)
 * @param layerNormEps {@code layer_norm_eps}, default 1e-5
 */
public record ClipVisionConfig(
    int hiddenSize,
    int intermediateSize,
    int numAttentionHeads,
    int numHiddenLayers,
    int numChannels,
    int imageSize,
    int patchSize,
    Activation hiddenAct,
    double layerNormEps) {

  public ClipVisionConfig {
    if (hiddenSize < 1 || numAttentionHeads < 1 || hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size "
              + hiddenSize
              + " must be a positive multiple of num_attention_heads "
              + numAttentionHeads);
    }
    if (patchSize < 1 || imageSize < patchSize || imageSize % patchSize != 0) {
      throw new IllegalArgumentException(
          "image_size " + imageSize + " must be a positive multiple of patch_size " + patchSize);
    }
    if (intermediateSize < 1 || numHiddenLayers < 1 || numChannels < 1 || !(layerNormEps > 0)) {
      throw new IllegalArgumentException(
          "intermediate_size, num_hidden_layers, num_channels and layer_norm_eps must be > 0");
    }
  }

  /** Patches per side. */
  public int grid() {
    return imageSize / patchSize;
  }

  /** The {@code vision_config} object of a full model config. */
  public static ClipVisionConfig from(JsonConfig model) {
    if (model.node("vision_config") == null || !model.node("vision_config").isObject()) {
      throw model.error("vision_config", "a CLIP model config needs a vision_config object");
    }
    JsonConfig c = model.object("vision_config");
    try {
      return new ClipVisionConfig(
          c.integer("hidden_size", 768),
          c.integer("intermediate_size", 3072),
          c.integer("num_attention_heads", 12),
          c.integer("num_hidden_layers", 12),
          c.integer("num_channels", 3),
          c.integer("image_size", 224),
          c.integer("patch_size", 32),
          activation(c, "quick_gelu"),
          c.real("layer_norm_eps", 1e-5));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(c.file(), "vision_config: " + e.getMessage());
    }
  }

  /** {@code hidden_act}: gelu or quick_gelu, the activations CLIP checkpoints use. */
  static Activation activation(JsonConfig c, String fallback) {
    String name = c.string("hidden_act", fallback);
    for (Activation a : Activation.values()) if (a.configName.equals(name)) return a;
    throw c.error("hidden_act", "'" + name + "' is not supported; accepted: gelu, quick_gelu");
  }
}
