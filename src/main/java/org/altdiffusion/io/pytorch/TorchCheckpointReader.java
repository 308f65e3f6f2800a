package org.altdiffusion.io.pytorch;

import java.nio.file.Path;
import org.altdiffusion.io.CheckpointReader;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.TensorSource;

/**
 * {@link TorchCheckpoint} as the {@link Checkpoints} reader of {@link Checkpoints.Format#PYTORCH}
 * (registered in {@code META-INF/services/org.altdiffusion.io.CheckpointReader}).
 */
public final class TorchCheckpointReader implements CheckpointReader {
  @Override
  public Checkpoints.Format format() {
    return Checkpoints.Format.PYTORCH;
  }

  @Override
  public TensorSource open(Path file) {
    return TorchCheckpoint.open(file);
  }
}
