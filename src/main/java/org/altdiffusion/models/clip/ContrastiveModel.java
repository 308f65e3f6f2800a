package org.altdiffusion.models.clip;

import java.nio.file.Path;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.text.TextEncoderFiles;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * A CLIP-style pair of towers whose projected, L2-normalised embeddings are compared by cosine:
 * AltCLIP (multilingual) and CLIP (English).
 */
public interface ContrastiveModel {
  /** ids [B, T], mask [B, T] or null -> unit text embeddings [B, projection_dim]. */
  Tensor textEmbeds(Tensor ids, Tensor attentionMask);

  /** pixels [B, 3, S, S] (processed) -> unit image embeddings [B, projection_dim]. */
  Tensor imageEmbeds(Tensor pixels);

  /** {@code exp(logit_scale)}. */
  double logitScale();

  /** The processor settings the model was trained with (its folder's preprocessor_config.json). */
  int imageSize();

  /** logits_per_image: scale * image @ text^T, [B_images, B_texts]. */
  default Tensor logitsPerImage(Tensor imageEmbeds, Tensor textEmbeds) {
    return imageEmbeds.matmul(textEmbeds.t()).mul(new Scalar(logitScale()));
  }

  /** x / |x| along the last dimension, as transformers normalises the embeddings. */
  /**
   * {@code dir/config.json}, which must name {@code modelType} (transformers' {@code model_type});
   * {@code what} names the family in the error ("an AltCLIP model").
   */
  static JsonConfig config(Path dir, String modelType, String what) {
    JsonConfig config = JsonConfig.read(dir.resolve("config.json"));
    String type = config.string("model_type", "");
    if (!type.equals(modelType))
      throw config.error(
          "model_type", "'" + type + "' is not " + what + "; accepted: " + modelType);
    return config;
  }

  /** {@code model} with the weights of the transformers folder {@code dir} (strict). */
  static <M extends Module> M withWeights(M model, Path dir) {
    try (TensorSource weights = TextEncoderFiles.openWeights(dir)) {
      model.load(weights);
    }
    return model;
  }

  static Tensor normalised(Tensor x) {
    Tensor norm =
        x.norm(
            new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)),
            new long[] {-1},
            true); // [B, 1]
    return x.div(norm);
  }
}
