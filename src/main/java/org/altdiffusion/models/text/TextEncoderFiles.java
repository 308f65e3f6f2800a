package org.altdiffusion.models.text;

import java.nio.file.Path;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.io.TensorSource;

/** Where a text encoder folder (transformers layout) keeps its weights. */
public final class TextEncoderFiles {
  private TextEncoderFiles() {}

  /**
   * Opens the weights of a transformers model folder in the reference's order of preference: {@code
   * model.safetensors}, {@code pytorch_model.bin} (what the published AltDiffusion encoders ship),
   * then sharded indexes of either.
   */
  public static TensorSource openWeights(Path dir) {
    return Checkpoints.open(
        DiffusersLayout.findWeights(dir, DiffusersLayout.Naming.TRANSFORMERS, null));
  }
}
