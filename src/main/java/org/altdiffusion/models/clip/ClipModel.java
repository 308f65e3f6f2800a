package org.altdiffusion.models.clip;

import java.nio.file.Path;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.models.text.ClipTextConfig;
import org.altdiffusion.models.text.ClipTextTransformer;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers' {@code CLIPModel} (4.44), for English CLIP scores: {@code text_model} ({@link
 * ClipTextTransformer}, pooled at the end-of-text token), {@code vision_model}, bias-free
 * projections and {@code logit_scale}. Loaded strictly from a transformers folder such as
 * openai/clip-vit-large-patch14.
 */
public final class ClipModel extends Module implements ContrastiveModel {
  private final ClipTextTransformer textModel;
  private final ClipVisionTransformer visionModel;
  private final Linear visualProjection;
  private final Linear textProjection;
  private final Parameter logitScale;

  public ClipModel(ClipTextConfig text, ClipVisionConfig vision, int projectionDim) {
    textModel = child("text_model", new ClipTextTransformer(text));
    visionModel = child("vision_model", new ClipVisionTransformer(vision));
    visualProjection =
        child("visual_projection", new Linear(vision.hiddenSize(), projectionDim, false));
    textProjection = child("text_projection", new Linear(text.hiddenSize(), projectionDim, false));
    logitScale = parameter("logit_scale");
  }

  /** The model of {@code dir/config.json} with the folder's weights. */
  public static ClipModel fromPretrained(Path dir) {
    JsonConfig config = ContrastiveModel.config(dir, "clip", "a CLIP model");
    return ContrastiveModel.withWeights(
        new ClipModel(
            ClipTextConfig.from(config),
            ClipVisionConfig.from(config),
            config.integer("projection_dim", 512)),
        dir);
  }

  @Override
  public Tensor textEmbeds(Tensor ids, Tensor attentionMask) {
    return ContrastiveModel.normalised(
        textProjection.forward(textModel.forward(ids, attentionMask).pooled()));
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
