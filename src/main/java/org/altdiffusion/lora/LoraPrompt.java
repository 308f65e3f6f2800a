package org.altdiffusion.lora;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's {@code <lora:NAME:WEIGHT>} prompt syntax: the tags are taken out of the prompt (the text
 * encoder never sees them; the infotext keeps the prompt as written) and name LoRAs of a {@link
 * LoraFolder}.
 *
 * <p>As A1111's {@code extra_networks.parse_prompt}: a tag is {@code <lora:ARGS>} with ARGS up to
 * the next {@code >}, split at {@code :}; it is replaced by nothing (the spaces around it stay).
 * The first argument is the name (outer spaces ignored), the second the text encoder's weight
 * (default 1), the third the UNet's (default: the text encoder's); the named arguments {@code te=}
 * and {@code unet=} override them, as in A1111's {@code extra_networks_lora}. A1111's fourth
 * argument or {@code dyn=} (a lower rank for dynamic-rank files) and other names are refused. Only
 * the positive prompt is parsed (A1111 leaves the negative prompt's tags in its text).
 */
public final class LoraPrompt {
  /**
   * One tag.
   *
   * @param text the tag as written, e.g. {@code <lora:style:0.8>}
   * @param name the LoRA's name (a file name without extension)
   * @param textEncoderWeight the weight of its text-encoder layers
   * @param unetWeight the weight of its UNet layers
   */
  public record Tag(String text, String name, double textEncoderWeight, double unetWeight) {
    /** A tag with one weight for both parts. */
    public Tag(String text, String name, double weight) {
      this(text, name, weight, weight);
    }
  }

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
    List<String> positional = new ArrayList<>();
    Map<String, String> named = new LinkedHashMap<>();
    for (String p : args.split(":", -1)) {
      int eq = p.indexOf('=');
      if (eq < 0) positional.add(p);
      else named.put(p.substring(0, eq).strip(), p.substring(eq + 1));
    }
    for (String key : named.keySet())
      if (!key.equals("te") && !key.equals("unet"))
        throw new IllegalArgumentException(
            "prompt: "
                + text
                + ": the named argument '"
                + key
                + "=' is not supported (te= and unet= are; A1111's dyn= is not)");
    String name = positional.isEmpty() ? "" : positional.get(0).strip();
    if (name.isEmpty())
      throw new IllegalArgumentException(
          "prompt: " + text + ": no LoRA name; write <lora:NAME:WEIGHT>");
    if (positional.size() > 3)
      throw new IllegalArgumentException(
          "prompt: "
              + text
              + ": too many arguments (A1111's fourth, dyn, is not supported); write"
              + " <lora:NAME:WEIGHT> or <lora:NAME:TE_WEIGHT:UNET_WEIGHT>");
    double te = positional.size() > 1 ? weight(text, positional.get(1)) : 1.0;
    if (named.containsKey("te")) te = weight(text, named.get("te"));
    double unet = positional.size() > 2 ? weight(text, positional.get(2)) : te;
    if (named.containsKey("unet")) unet = weight(text, named.get("unet"));
    return new Tag(text, name, te, unet);
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
