package org.altdiffusion.lora;

import java.nio.file.Path;

/** A LoRA file that cannot be read or does not fit the model; the message names the file. */
public final class LoraException extends IllegalArgumentException {
  private final transient Path file;

  public LoraException(Path file, String problem) {
    super("LoRA " + file + ": " + problem);
    this.file = file;
  }

  public LoraException(Path file, String problem, Throwable cause) {
    super("LoRA " + file + ": " + problem, cause);
    this.file = file;
  }

  /** The file concerned. */
  public Path file() {
    return file;
  }
}
