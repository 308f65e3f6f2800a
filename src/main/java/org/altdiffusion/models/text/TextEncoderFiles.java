package org.altdiffusion.models.text;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;

/** Where a text encoder folder (transformers layout) keeps its weights. */
public final class TextEncoderFiles {
  private TextEncoderFiles() {}

  /**
   * Opens the weights of a transformers model folder: {@code model.safetensors}. The published
   * AltDiffusion encoders ship {@code pytorch_model.bin} only; reading it needs the PyTorch zip
   * reader, which this method names when it is all there is.
   */
  public static TensorSource openWeights(Path dir) {
    Path safetensors = dir.resolve("model.safetensors");
    if (Files.isRegularFile(safetensors)) return SafeTensors.open(safetensors);
    Path bin = dir.resolve("pytorch_model.bin");
    if (Files.isRegularFile(bin)) {
      throw new CheckpointException(bin, "PyTorch .bin weights are not readable here yet (needs the PyTorch checkpoint reader); convert to model.safetensors");
    }
    if (Files.isRegularFile(dir.resolve("model.safetensors.index.json")) || Files.isRegularFile(dir.resolve("pytorch_model.bin.index.json"))) {
      throw new CheckpointException(dir, "sharded weights are not supported yet");
    }
    throw new CheckpointException(dir, "no weights found: expected model.safetensors or pytorch_model.bin");
  }
}
