package org.altdiffusion.lora;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One LoRA of a request: its file and the weight it is applied with (1 = as trained, 0 = not at
 * all, negative = against it).
 */
public record LoraSpec(Path file, double weight) {
  public LoraSpec {
    Objects.requireNonNull(file, "LoRA file");
    if (!Double.isFinite(weight))
      throw new IllegalArgumentException(
          "LoRA " + file + ": weight must be a finite number, got " + weight);
  }

  /**
   * {@code FILE[:WEIGHT]} as the command line takes it (weight 1 when absent). The weight follows
   * the last ':' when what follows holds no path separator (so {@code C:\loras\x.safetensors} is a
   * file); it must then be a number.
   */
  public static LoraSpec parse(String text) {
    if (text == null || text.isBlank())
      throw new IllegalArgumentException("--lora needs FILE[:WEIGHT], got nothing");
    int colon = text.lastIndexOf(':');
    if (colon < 0) return new LoraSpec(Path.of(text), 1.0);
    String tail = text.substring(colon + 1);
    if (tail.contains("/") || tail.contains("\\")) return new LoraSpec(Path.of(text), 1.0);
    String file = text.substring(0, colon);
    if (file.isEmpty())
      throw new IllegalArgumentException("--lora '" + text + "': no file before ':'");
    double weight;
    try {
      weight = Double.parseDouble(tail.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--lora '"
              + text
              + "': the weight '"
              + tail
              + "' is not a number (FILE[:WEIGHT], e.g. style.safetensors:0.8)");
    }
    if (!Double.isFinite(weight))
      throw new IllegalArgumentException(
          "--lora '" + text + "': the weight must be finite, got " + tail);
    return new LoraSpec(Path.of(file), weight);
  }
}
