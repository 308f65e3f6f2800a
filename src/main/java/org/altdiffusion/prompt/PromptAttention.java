package org.altdiffusion.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's emphasis syntax ({@code prompt_parser.parse_prompt_attention}): the prompt as runs of
 * text, each with the weight its brackets give it.
 *
 * <ul>
 *   <li>{@code (text)} multiplies by 1.1, {@code [text]} divides by 1.1, {@code (text:1.3)}
 *       multiplies by 1.3; nesting multiplies.
 *   <li>{@code \(}, {@code \)}, {@code \[}, {@code \]}, {@code \\} are the literal characters; a
 *       backslash before anything else is kept.
 *   <li>Unbalanced brackets, as in A1111: a closing bracket without its opening one is literal
 *       text, an opening bracket never closed applies its factor up to the end of the prompt. A
 *       weight that is not a number, {@code (x:abc)}, is text: {@code x:abc} at 1.1.
 *   <li>{@code BREAK} (a whole word, upper case, outside brackets) ends the current chunk.
 * </ul>
 *
 * Adjacent runs of equal weight are merged. A {@code BREAK} inside brackets gets their factor and,
 * as in A1111, is then an ordinary word with that (negative) weight.
 */
public final class PromptAttention {
  /** The weight A1111 marks a BREAK with. */
  public static final double BREAK_WEIGHT = -1.0;

  private static final double ROUND = 1.1;
  private static final double SQUARE = 1 / 1.1;

  /** A1111's re_attention, token by token; Python's \d is any Unicode decimal digit. */
  private static final Pattern TOKEN =
      Pattern.compile(
          "\\\\\\(|\\\\\\)|\\\\\\[|\\\\]|\\\\\\\\|\\\\|\\(|\\[|:([+-]?[.\\d]+)\\)|\\)|]"
              + "|[^\\\\()\\[\\]:]+|:",
          Pattern.UNICODE_CHARACTER_CLASS);

  private static final Pattern BREAK =
      Pattern.compile("\\s*\\bBREAK\\b\\s*", Pattern.UNICODE_CHARACTER_CLASS);

  /**
   * One run of text.
   *
   * @param text the text (brackets and escapes removed)
   * @param weight its multiplier; {@link #BREAK_WEIGHT} with text "BREAK" marks a chunk break
   */
  public record Run(String text, double weight) {
    /** Whether this run is a chunk break (not text). */
    public boolean isBreak() {
      return weight == BREAK_WEIGHT && text.equals("BREAK");
    }
  }

  /** Longest prompt parsed, in characters (10,000 tokens rarely need more); A1111 has no limit. */
  public static final int MAX_CHARS = 65_536;

  /**
   * Most opening brackets in one prompt: each one multiplies the weights of everything after it, so
   * the work grows with brackets x runs; A1111 has no limit.
   */
  public static final int MAX_BRACKETS = 5_000;

  private PromptAttention() {}

  /**
   * The runs of {@code prompt}; never fails except for a weight that looks like a number and is not
   * one ({@code (x:1.2.3)}), which A1111 also rejects.
   */
  public static List<Run> parse(String prompt) {
    checkSize(prompt);
    List<String> texts = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    List<Integer> round = new ArrayList<>();
    List<Integer> square = new ArrayList<>();
    Matcher m = TOKEN.matcher(prompt);
    while (m.find()) {
      String t = m.group();
      String weight = m.group(1);
      if (t.startsWith("\\")) {
        texts.add(t.substring(1));
        weights.add(1.0);
      } else if (t.equals("(")) {
        round.add(texts.size());
      } else if (t.equals("[")) {
        square.add(texts.size());
      } else if (weight != null && !round.isEmpty()) {
        multiply(weights, round.remove(round.size() - 1), number(weight, prompt));
      } else if (t.equals(")") && !round.isEmpty()) {
        multiply(weights, round.remove(round.size() - 1), ROUND);
      } else if (t.equals("]") && !square.isEmpty()) {
        multiply(weights, square.remove(square.size() - 1), SQUARE);
      } else {
        addWithBreaks(t, texts, weights);
      }
    }
    for (int start : round) multiply(weights, start, ROUND);
    for (int start : square) multiply(weights, start, SQUARE);
    if (texts.isEmpty()) {
      texts.add("");
      weights.add(1.0);
    }
    return merged(texts, weights);
  }

  private static void checkSize(String prompt) {
    if (prompt.length() > MAX_CHARS)
      throw new IllegalArgumentException(
          "prompt: "
              + prompt.length()
              + " characters; at most "
              + MAX_CHARS
              + " are accepted (and at most 10,000 tokens)");
    int brackets = 0;
    for (int i = 0; i < prompt.length(); i++) {
      char c = prompt.charAt(i);
      if (c == '\\') i++;
      else if (c == '(' || c == '[') brackets++;
    }
    if (brackets > MAX_BRACKETS)
      throw new IllegalArgumentException(
          "prompt: "
              + brackets
              + " opening brackets; at most "
              + MAX_BRACKETS
              + " are accepted (write \\( or \\[ for literal brackets)");
  }

  /** Python's re.split(re_break, text): the parts, with a BREAK marker between each two. */
  private static void addWithBreaks(String text, List<String> texts, List<Double> weights) {
    Matcher b = BREAK.matcher(text);
    int from = 0;
    while (b.find()) {
      texts.add(text.substring(from, b.start()));
      weights.add(1.0);
      texts.add("BREAK");
      weights.add(BREAK_WEIGHT);
      from = b.end();
    }
    texts.add(text.substring(from));
    weights.add(1.0);
  }

  private static void multiply(List<Double> weights, int from, double factor) {
    for (int i = from; i < weights.size(); i++) weights.set(i, weights.get(i) * factor);
  }

  private static List<Run> merged(List<String> texts, List<Double> weights) {
    List<Run> out = new ArrayList<>();
    StringBuilder text = new StringBuilder(texts.get(0));
    double weight = weights.get(0);
    for (int i = 1; i < texts.size(); i++) {
      if (weights.get(i) == weight) {
        text.append(texts.get(i));
      } else {
        out.add(new Run(text.toString(), weight));
        text = new StringBuilder(texts.get(i));
        weight = weights.get(i);
      }
    }
    out.add(new Run(text.toString(), weight));
    return out;
  }

  /** Python's float() of a run of digits and dots (Unicode digits included). */
  private static double number(String text, String prompt) {
    StringBuilder ascii = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      ascii.append(Character.isDigit(c) ? (char) ('0' + Character.digit(c, 10)) : (char) c);
      i += Character.charCount(c);
    }
    String s = ascii.toString();
    String digits = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
    if (!digits.matches("\\d+\\.?\\d*|\\.\\d+"))
      throw new IllegalArgumentException(
          "prompt: the weight ':"
              + text
              + ")' is not a number (write (text:1.2); a weight that is not made of digits, as in"
              + " (text:abc), is kept as text)"
              + context(prompt));
    return Double.parseDouble(s);
  }

  private static String context(String prompt) {
    return prompt.length() <= 200 ? " in \"" + prompt + "\"" : "";
  }
}
