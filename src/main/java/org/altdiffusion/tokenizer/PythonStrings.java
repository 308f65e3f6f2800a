package org.altdiffusion.tokenizer;

/** Python's str whitespace rules (str.isspace, strip, split), which the Python tokenizers use. */
final class PythonStrings {
  private PythonStrings() {}

  /** str.isspace for one code point: Unicode category Zs, or bidi class WS, B or S. */
  static boolean isSpace(int cp) {
    return switch (cp) {
      case 0x09,
          0x0A,
          0x0B,
          0x0C,
          0x0D,
          0x1C,
          0x1D,
          0x1E,
          0x1F,
          0x20,
          0x85,
          0xA0,
          0x1680,
          0x2028,
          0x2029,
          0x202F,
          0x205F,
          0x3000 ->
          true;
      default -> cp >= 0x2000 && cp <= 0x200A;
    };
  }

  static String lstrip(String s) {
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      if (!isSpace(cp)) break;
      i += Character.charCount(cp);
    }
    return s.substring(i);
  }

  static String rstrip(String s) {
    int e = s.length();
    while (e > 0) {
      int cp = s.codePointBefore(e);
      if (!isSpace(cp)) break;
      e -= Character.charCount(cp);
    }
    return s.substring(0, e);
  }

  static String strip(String s) {
    return lstrip(rstrip(s));
  }

  /** str.split() with no arguments: runs of whitespace separate, no empty strings. */
  static java.util.List<String> split(String s) {
    java.util.List<String> out = new java.util.ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      while (i < s.length() && isSpace(s.codePointAt(i)))
        i += Character.charCount(s.codePointAt(i));
      int start = i;
      while (i < s.length() && !isSpace(s.codePointAt(i)))
        i += Character.charCount(s.codePointAt(i));
      if (i > start) out.add(s.substring(start, i));
    }
    return out;
  }
}
