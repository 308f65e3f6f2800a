package org.altdiffusion.models.clip;

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
  static Tensor normalised(Tensor x) {
    Tensor norm =
        x.norm(
            new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)),
            new long[] {-1},
            true); // [B, 1]
    return x.div(norm);
  }
}
