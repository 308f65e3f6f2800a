package org.altdiffusion.models.clip;

import java.nio.file.Path;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers' {@code AltCLIPModel} (4.44): {@code text_model} ({@link AltClipTextModel}), {@code
 * vision_model} ({@link ClipVisionTransformer}), bias-free {@code visual_projection} and {@code
 * text_projection}, and {@code logit_scale}. Loaded strictly from a transformers folder such as
 * BAAI/AltCLIP-m18 ({@code config.json} with {@code text_config} and {@code vision_config}; {@code
 * model.safetensors} or {@code pytorch_model.bin}).
 */
public final class AltClipModel extends Module implements ContrastiveModel {
  private final AltClipTextModel textModel;
  private final ClipVisionTransformer visionModel;
  private final Linear visualProjection;
  private final Linear textProjection;
  private final Parameter logitScale;

  public AltClipModel(AltClipTextModel text, ClipVisionConfig vision, int projectionDim) {
    textModel = child("text_model", text);
    visionModel = child("vision_model", new ClipVisionTransformer(vision));
    visualProjection =
        child("visual_projection", new Linear(vision.hiddenSize(), projectionDim, false));
    textProjection = child("text_projection", new Linear(text.projectDim, projectionDim, false));
    logitScale = parameter("logit_scale");
  }

  /** The model of {@code dir/config.json} with the folder's weights. */
  public static AltClipModel fromPretrained(Path dir) {
    JsonConfig config = ContrastiveModel.config(dir, "altclip", "an AltCLIP model");
    return ContrastiveModel.withWeights(
        new AltClipModel(
            AltClipTextModel.from(config),
            ClipVisionConfig.from(config),
            config.integer("projection_dim", 768)),
        dir);
  }

  @Override
  public Tensor textEmbeds(Tensor ids, Tensor attentionMask) {
    return ContrastiveModel.normalised(
        textProjection.forward(textModel.pooled(ids, attentionMask)));
  }

  @Override
  public Tensor imageEmbeds(Tensor pixels) {
    return ContrastiveModel.normalised(visualProjection.forward(visionModel.pooled(pixels)));
  }

  @Override
  public double logitScale() {
    return Math.exp(logitScale.get().item_double());
  }

  @Override
  public int imageSize() {
    return visionModel.config.imageSize();
  }
}
