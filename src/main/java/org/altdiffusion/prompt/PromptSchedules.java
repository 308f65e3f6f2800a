package org.altdiffusion.prompt;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The parts of A1111's prompt syntax that change the conditioning during sampling or combine
 * several prompts: prompt editing {@code [from:to:when]} ({@code [to:when]}, {@code [from::when]}),
 * alternation {@code [a|b]} and composable prompts {@code a AND b}. This program does not implement
 * them; rather than give their brackets to the tokenizer as text, a prompt holding one is refused
 * with a message naming it.
 *
 * <p>Found as A1111's grammar finds them: a square bracket whose contents, outside nested brackets
 * and escapes, hold a {@code |}, or end in {@code :} and a number. {@code AND} is a whole
 * upper-case word (A1111 splits only the positive prompt at it).
 */
public final class PromptSchedules {
  private static final Pattern WHEN =
      Pattern.compile(":\\s*[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?$");
  private static final Pattern AND = Pattern.compile("\\bAND\\b", Pattern.UNICODE_CHARACTER_CLASS);

  private PromptSchedules() {}

  /**
   * Throws when {@code prompt} uses a construct this program refuses.
   *
   * @param positive whether it is the positive prompt (the only one A1111 splits at AND)
   */
  public static void check(String prompt, boolean positive) {
    Optional<String> found = unsupported(prompt, positive);
    if (found.isPresent())
      throw new IllegalArgumentException(
          (positive ? "prompt" : "negative prompt")
              + ": "
              + found.get()
              + " is not supported by this program (A1111's prompt editing, alternation and"
              + " AND are not implemented); write the brackets as \\[ \\] to mean them as text, or"
              + " use --prompt-syntax plain");
  }

  /** The first refused construct of {@code prompt}, described, or empty. */
  public static Optional<String> unsupported(String prompt, boolean positive) {
    for (int i = 0; i < prompt.length(); i++) {
      char c = prompt.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        int end = closing(prompt, i);
        if (end < 0) continue;
        String inside = prompt.substring(i + 1, end);
        String top = topLevel(inside);
        String shown = "'" + abbreviated(prompt.substring(i, end + 1)) + "'";
        if (top.indexOf('|') >= 0) return Optional.of("alternation " + shown);
        if (WHEN.matcher(top).find()) return Optional.of("prompt editing " + shown);
      }
    }
    if (positive && AND.matcher(prompt).find()) return Optional.of("'AND' (composable prompts)");
    return Optional.empty();
  }

  /** The index of the ']' closing the '[' at {@code open}, nested brackets skipped; -1 if none. */
  private static int closing(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') i++;
      else if (c == '[' || c == '(') depth++;
      else if (c == ']' || c == ')') {
        depth--;
        if (depth == 0) return c == ']' ? i : -1;
      }
    }
    return -1;
  }

  /** {@code s} with every nested bracket's contents and every escaped character blanked. */
  private static String topLevel(String s) {
    StringBuilder b = new StringBuilder(s.length());
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        b.append("  ");
        i++;
      } else if (c == '[' || c == '(') {
        depth++;
        b.append(' ');
      } else if (c == ']' || c == ')') {
        depth = Math.max(0, depth - 1);
        b.append(' ');
      } else {
        b.append(depth == 0 ? c : ' ');
      }
    }
    return b.toString();
  }

  private static String abbreviated(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
