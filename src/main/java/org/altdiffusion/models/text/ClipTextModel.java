package org.altdiffusion.models.text;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * transformers' {@code CLIPTextModel}: the text transformer under {@code text_model.}, no
 * projection. The SD 1.x conditioner, and the distillation teacher (its pooled output is the
 * final-LN hidden state at the end-of-text token).
 */
public final class ClipTextModel extends Module implements TextEncoder {
  public final ClipTextConfig config;
  public final ClipTextTransformer textModel;

  public ClipTextModel(ClipTextConfig config) {
    this.config = config;
    textModel = child("text_model", new ClipTextTransformer(config));
  }

  /**
   * Reads {@code dir/config.json} and the weights in {@code dir} (see {@link TextEncoderFiles}).
   */
  public static ClipTextModel fromPretrained(Path dir) {
    var model = new ClipTextModel(ClipTextConfig.read(dir.resolve("config.json")));
    try (TensorSource weights = TextEncoderFiles.openWeights(dir)) {
      model.load(weights);
    }
    return model;
  }

  /** ids [B, T], mask [B, T] or null -> last hidden state, all hidden states and pooled vector. */
  public ClipTextTransformer.Output forward(Tensor ids, Tensor attentionMask) {
    return textModel.forward(ids, attentionMask);
  }

  /** The final-LN last hidden state [B, T, hidden]. */
  @Override
  public Tensor encode(Tensor ids, Tensor attentionMask) {
    return forward(ids, attentionMask).lastHiddenState();
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
