package org.altdiffusion.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generation parameters in AUTOMATIC1111's "infotext" form, the {@code parameters} text of its
 * PNGs: the prompt, then {@code Negative prompt: ...} when there is one, then one line of {@code
 * Key: value} pairs ({@code Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512,
 * ...}). Values holding a comma, colon or newline are JSON-quoted, as A1111 does.
 *
 * @param prompt the prompt
 * @param negativePrompt the negative prompt, "" when none
 * @param settings the key/value line, in order (e.g. "Steps" -> "20")
 */
public record Infotext(String prompt, String negativePrompt, Map<String, String> settings) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A1111's pattern for one {@code Key: value} pair of the last line. */
  private static final Pattern PARAM =
      Pattern.compile("\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)");

  public Infotext {
    settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
  }

  /** The text as A1111 writes it. */
  public String format() {
    StringBuilder b = new StringBuilder(prompt);
    if (!negativePrompt.isEmpty()) b.append("\nNegative prompt: ").append(negativePrompt);
    List<String> pairs = new ArrayList<>();
    settings.forEach((k, v) -> pairs.add(k + ": " + quote(v)));
    if (!pairs.isEmpty()) b.append('\n').append(String.join(", ", pairs));
    return b.toString();
  }

  /** Parses A1111 infotext; a text with no settings line gives just the prompt. */
  public static Infotext parse(String text) {
    String[] lines = text.strip().split("\n", -1);
    String last = lines[lines.length - 1];
    int lineCount = lines.length;
    Map<String, String> settings = new LinkedHashMap<>();
    if (countPairs(last) >= 3) {
      lineCount--;
      Matcher m = PARAM.matcher(last);
      while (m.find()) {
        if (m.group(1) == null) continue;
        settings.put(m.group(1).strip(), unquote(m.group(2).strip()));
      }
    }
    StringBuilder prompt = new StringBuilder();
    StringBuilder negative = new StringBuilder();
    boolean inNegative = false;
    for (int i = 0; i < lineCount; i++) {
      String line = lines[i].strip();
      if (line.startsWith("Negative prompt:")) {
        inNegative = true;
        line = line.substring("Negative prompt:".length()).strip();
      }
      StringBuilder target = inNegative ? negative : prompt;
      if (target.length() > 0) target.append('\n');
      target.append(line);
    }
    return new Infotext(prompt.toString(), negative.toString(), settings);
  }

  private static int countPairs(String line) {
    Matcher m = PARAM.matcher(line);
    int n = 0;
    while (m.find()) if (m.group(1) != null) n++;
    return n;
  }

  static String quote(String value) {
    if (value.indexOf(',') < 0 && value.indexOf('\n') < 0 && value.indexOf(':') < 0) return value;
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String unquote(String value) {
    if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"')
      return value;
    try {
      return JSON.readValue(value, String.class);
    } catch (JsonProcessingException e) {
      return value;
    }
  }
}
