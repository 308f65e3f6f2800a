package org.altdiffusion.lora;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's {@code <lora:NAME:WEIGHT>} prompt syntax: the tags are taken out of the prompt (the text
 * encoder never sees them; the infotext keeps the prompt as written) and name LoRAs of a {@link
 * LoraFolder}.
 *
 * <p>As A1111's {@code extra_networks.parse_prompt}: a tag is {@code <lora:ARGS>} with ARGS up to
 * the next {@code >}, split at {@code :}; it is replaced by nothing (the spaces around it stay).
 * The first argument is the name (outer spaces ignored), the second the weight (default 1). A1111
 * takes a third, the UNet's weight apart from the text encoder's; this program applies one weight
 * to both, so a third equal to the second is accepted and a different one refused, as are named
 * arguments ({@code te=}, {@code unet=}, {@code dyn=}) and a fourth. Only the positive prompt is
 * parsed (A1111 leaves the negative prompt's tags in its text).
 */
public final class LoraPrompt {
  /**
   * One tag.
   *
   * @param text the tag as written, e.g. {@code <lora:style:0.8>}
   * @param name the LoRA's name (a file name without extension)
   * @param weight its weight
   */
  public record Tag(String text, String name, double weight) {}

  /**
   * A prompt with its tags taken out.
   *
   * @param prompt the text for the encoder
   * @param tags the tags in the order written
   */
  public record Parsed(String prompt, List<Tag> tags) {
    public Parsed {
      tags = List.copyOf(tags);
    }
  }

  private static final Pattern TAG = Pattern.compile("<lora:([^>]+)>");
  private static final Pattern NUMBER =
      Pattern.compile("\\s*[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?\\s*");

  private LoraPrompt() {}

  /**
   * The prompt's tags, and the prompt without them.
   *
   * @throws IllegalArgumentException for a tag without a name, a weight that is not a number, or
   *     arguments this program does not support; the message quotes the tag
   */
  public static Parsed parse(String prompt) {
    if (prompt == null) return new Parsed("", List.of());
    List<Tag> tags = new ArrayList<>();
    Matcher m = TAG.matcher(prompt);
    StringBuilder text = new StringBuilder();
    while (m.find()) {
      tags.add(tag(m.group(), m.group(1)));
      m.appendReplacement(text, "");
    }
    m.appendTail(text);
    return new Parsed(text.toString(), tags);
  }

  /** The prompt without its LoRA tags (what the text encoder sees); never fails. */
  public static String strip(String prompt) {
    return prompt == null ? "" : TAG.matcher(prompt).replaceAll("");
  }

  private static Tag tag(String text, String args) {
    String[] parts = args.split(":", -1);
    for (String p : parts) {
      if (p.contains("="))
        throw new IllegalArgumentException(
            "prompt: "
                + text
                + ": named arguments (te=, unet=, dyn=) are not supported; write"
                + " <lora:NAME:WEIGHT>");
    }
    String name = parts[0].strip();
    if (name.isEmpty())
      throw new IllegalArgumentException(
          "prompt: " + text + ": no LoRA name; write <lora:NAME:WEIGHT>");
    if (parts.length > 3)
      throw new IllegalArgumentException(
          "prompt: "
              + text
              + ": too many arguments (A1111's fourth, dyn, is not supported); write"
              + " <lora:NAME:WEIGHT>");
    double weight = parts.length > 1 ? weight(text, parts[1]) : 1.0;
    if (parts.length > 2) {
      double unet = weight(text, parts[2]);
      if (unet != weight)
        throw new IllegalArgumentException(
            "prompt: "
                + text
                + ": separate text-encoder and UNet weights are not supported; give one weight"
                + " (<lora:NAME:WEIGHT>)");
    }
    return new Tag(text, name, weight);
  }

  private static double weight(String tag, String text) {
    if (!NUMBER.matcher(text).matches())
      throw new IllegalArgumentException(
          "prompt: "
              + tag
              + ": the weight '"
              + text
              + "' is not a number (write <lora:NAME:WEIGHT>, e.g. <lora:style:0.8>)");
    return Double.parseDouble(text.strip());
  }
}
