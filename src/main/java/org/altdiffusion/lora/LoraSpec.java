package org.altdiffusion.lora;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One LoRA of a request: its file and the weights it is applied with (1 = as trained, 0 = not at
 * all, negative = against it), one for the text encoder's layers and one for the UNet's, as A1111's
 * {@code <lora:NAME:TE_WEIGHT:UNET_WEIGHT>} and diffusers' {@code set_adapters(names,
 * [{"text_encoder": te, "unet": unet}])}.
 *
 * @param file the LoRA file
 * @param textEncoderWeight the weight of its text-encoder layers
 * @param unetWeight the weight of its UNet layers
 */
public record LoraSpec(Path file, double textEncoderWeight, double unetWeight) {
  public LoraSpec {
    Objects.requireNonNull(file, "LoRA file");
    for (double w : new double[] {textEncoderWeight, unetWeight})
      if (!Double.isFinite(w))
        throw new IllegalArgumentException(
            "LoRA " + file + ": weight must be a finite number, got " + w);
  }

  /** One weight for the whole LoRA. */
  public LoraSpec(Path file, double weight) {
    this(file, weight, weight);
  }

  /** The weight of the layers of {@code component} ({@link LoraTarget#UNET} or text encoder). */
  public double weightOf(String component) {
    return component.equals(LoraTarget.UNET) ? unetWeight : textEncoderWeight;
  }

  /**
   * {@code FILE[:WEIGHT[:UNET_WEIGHT]]} as the command line takes it (weight 1 when absent; with a
   * second number, the first is the text encoder's and the second the UNet's, as A1111's tags). A
   * weight follows a ':' when what follows holds no path separator (so {@code
   * C:\\loras\\x.safetensors} is a file); it must then be a number.
   */
  public static LoraSpec parse(String text) {
    if (text == null || text.isBlank())
      throw new IllegalArgumentException("--lora needs FILE[:WEIGHT[:UNET_WEIGHT]], got nothing");
    String file = text;
    List<Double> weights = new ArrayList<>();
    while (weights.size() < 2) {
      int colon = file.lastIndexOf(':');
      if (colon < 0) break;
      String tail = file.substring(colon + 1);
      if (tail.contains("/") || tail.contains("\\")) break;
      if (weights.size() == 1 && !NUMBER.matcher(tail).matches()) break; // part of the file name
      weights.add(0, weight(text, tail));
      file = file.substring(0, colon);
    }
    if (file.isEmpty())
      throw new IllegalArgumentException("--lora '" + text + "': no file before ':'");
    if (weights.isEmpty()) return new LoraSpec(Path.of(file), 1.0);
    return new LoraSpec(Path.of(file), weights.get(0), weights.get(weights.size() - 1));
  }

  private static final Pattern NUMBER =
      Pattern.compile("\\s*[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?\\s*");

  private static double weight(String text, String tail) {
    double weight;
    try {
      weight = Double.parseDouble(tail.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--lora '"
              + text
              + "': the weight '"
              + tail
              + "' is not a number (FILE[:WEIGHT[:UNET_WEIGHT]], e.g. style.safetensors:0.8)");
    }
    if (!Double.isFinite(weight))
      throw new IllegalArgumentException(
          "--lora '" + text + "': the weight must be finite, got " + tail);
    return weight;
  }
}
