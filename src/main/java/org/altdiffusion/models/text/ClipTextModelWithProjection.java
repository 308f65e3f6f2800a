package org.altdiffusion.models.text;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers' {@code CLIPTextModelWithProjection}: the text transformer under {@code text_model.}
 * and {@code text_projection} (no bias) applied to the pooled vector.
 */
public final class ClipTextModelWithProjection extends Module implements TextEncoder {
  public final ClipTextConfig config;
  public final ClipTextTransformer textModel;
  public final Linear textProjection;

  public ClipTextModelWithProjection(ClipTextConfig config) {
    this.config = config;
    textModel = child("text_model", new ClipTextTransformer(config));
    textProjection =
        child("text_projection", new Linear(config.hiddenSize(), config.projectionDim(), false));
  }

  /**
   * Reads {@code dir/config.json} and the weights in {@code dir} (see {@link TextEncoderFiles}).
   */
  public static ClipTextModelWithProjection fromPretrained(Path dir) {
    var model = new ClipTextModelWithProjection(ClipTextConfig.read(dir.resolve("config.json")));
    try (TensorSource weights = TextEncoderFiles.openWeights(dir)) {
      model.load(weights);
    }
    return model;
  }

  /**
   * ids [B, T], mask [B, T] or null -> the transformer's outputs and the projected pooled vector.
   */
  public Output forward(Tensor ids, Tensor attentionMask) {
    ClipTextTransformer.Output text = textModel.forward(ids, attentionMask);
    return new Output(text, guarded("projection", () -> textProjection.forward(text.pooled())));
  }

  /**
   * @param textEmbeds [B, projection_dim]: text_projection(pooled)
   */
  public record Output(ClipTextTransformer.Output text, Tensor textEmbeds) {}

  /** The final-LN last hidden state [B, T, hidden]. */
  @Override
  public Tensor encode(Tensor ids, Tensor attentionMask) {
    return textModel.forward(ids, attentionMask).lastHiddenState();
  }

  @Override
  public Tensor encode(
      Tensor ids, Tensor attentionMask, UnaryOperator<Tensor> tokenVectors, int clipSkip) {
    return textModel.skipped(textModel.forward(ids, attentionMask, tokenVectors), clipSkip);
  }

  @Override
  public long tokenWidth() {
    return config.hiddenSize();
  }

  @Override
  public long hiddenSize() {
    return config.hiddenSize();
  }

  @Override
  public int maxTokens() {
    return config.maxPositionEmbeddings();
  }
}
