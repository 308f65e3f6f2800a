package org.altdiffusion.prompt;

import java.util.ArrayDeque;
import java.util.Deque;
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
      Pattern.compile("\\s*[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
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

  /** The first refused construct of {@code prompt}, described, or empty. One pass, any length. */
  public static Optional<String> unsupported(String prompt, boolean positive) {
    Deque<Frame> open = new ArrayDeque<>();
    for (int i = 0; i < prompt.length(); i++) {
      char c = prompt.charAt(i);
      Frame top = open.peek();
      if (c == '\\') {
        if (top != null) top.text(' ');
        i++;
      } else if (c == '[' || c == '(') {
        if (top != null) top.text(' ');
        open.push(new Frame(c, i));
      } else if (c == ']' || c == ')') {
        if (top == null) continue;
        open.pop();
        if (open.peek() != null) open.peek().text(' ');
        if (top.bracket != '[' || c != ']') continue;
        String shown = "'" + abbreviated(prompt.substring(top.start, i + 1)) + "'";
        if (top.pipe) return Optional.of("alternation " + shown);
        if (top.colon && WHEN.matcher(top.tail).matches())
          return Optional.of("prompt editing " + shown);
      } else if (top != null) {
        top.text(c);
      }
    }
    if (positive && AND.matcher(prompt).find()) return Optional.of("'AND' (composable prompts)");
    return Optional.empty();
  }

  /** An open bracket: whether its own text has a '|', and its text after its last ':'. */
  private static final class Frame {
    final char bracket;
    final int start;
    boolean pipe;
    boolean colon;
    final StringBuilder tail = new StringBuilder();

    Frame(char bracket, int start) {
      this.bracket = bracket;
      this.start = start;
    }

    /** A character of this bracket's own text (' ' stands for nested brackets and escapes). */
    void text(char c) {
      if (c == '|') pipe = true;
      if (c == ':') {
        colon = true;
        tail.setLength(0);
      } else if (tail.length() < 64) {
        tail.append(c);
      } else {
        tail.setCharAt(0, 'x'); // too long for a number: never matches
      }
    }
  }

  private static String abbreviated(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
