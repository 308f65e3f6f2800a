package org.altdiffusion.io;

import java.nio.file.Path;

/**
 * A checkpoint reader that lives in its own package (the PyTorch reader in {@code io.pytorch}),
 * found by {@link Checkpoints} with {@link java.util.ServiceLoader}: each implementation is named
 * in {@code META-INF/services/org.altdiffusion.io.CheckpointReader} and has a public no-argument
 * constructor. This keeps this package, which the readers build on ({@link TensorSource}, {@link
 * DType}, {@link CheckpointException}), from depending on them.
 */
public interface CheckpointReader {
  /** The format this reader opens. */
  Checkpoints.Format format();

  /** Opens {@code file}; every problem is a {@link CheckpointException}. */
  TensorSource open(Path file);
}
