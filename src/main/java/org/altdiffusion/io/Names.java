package org.altdiffusion.io;

/**
 * Shows names taken from untrusted files in error messages: quoted, escaped, and cut short. Public
 * so that the key-mapping views ({@code io.keys}) and strict loading ({@code nn.Module}) quote
 * stored names the same way.
 */
public final class Names {
  private static final int MAX_SHOWN = 120;

  private Names() {}

  /**
   * {@code 'name'} with quotes, backslashes and control characters escaped, and anything past 120
   * characters elided.
   */
  public static String quote(String name) {
    StringBuilder b = new StringBuilder("'");
    int shown = Math.min(name.length(), MAX_SHOWN);
    for (int i = 0; i < shown; i++) {
      char c = name.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < name.length()
              && Character.isLowSurrogate(name.charAt(i + 1));
      if (pair) b.append(c).append(name.charAt(++i));
      else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c))
        b.append(String.format("\\u%04x", (int) c));
      else if (c == '\'' || c == '\\') b.append('\\').append(c);
      else b.append(c);
    }
    if (shown < name.length()) b.append("...(").append(name.length()).append(" characters)");
    return b.append('\'').toString();
  }

  /**
   * True when every surrogate in {@code s} is part of a pair (JSON escapes can encode lone ones).
   */
  static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
