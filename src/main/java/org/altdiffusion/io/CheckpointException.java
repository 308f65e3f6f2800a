package org.altdiffusion.io;

import java.nio.file.Path;

/** A checkpoint or config file that cannot be read: names the file and what is wrong with it. */
public final class CheckpointException extends RuntimeException {
  private final Path file;

  public CheckpointException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public CheckpointException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
