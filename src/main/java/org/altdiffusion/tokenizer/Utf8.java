package org.altdiffusion.tokenizer;

import java.nio.charset.StandardCharsets;

/** UTF-8 helpers with sentencepiece's exact rules for malformed input. */
final class Utf8 {
  /** U+FFFD in UTF-8: what sentencepiece emits for each byte it cannot decode. */
  static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

  private Utf8() {}

  /**
   * UTF-8 of {@code text}; an unpaired UTF-16 surrogate is an error, as in the reference
   * (sentencepiece and XLMRobertaTokenizer refuse such a Python string: "not a string").
   */
  static byte[] encodeStrict(String text) {
    int bad = firstUnpairedSurrogate(text);
    if (bad >= 0) {
      throw new IllegalArgumentException(
          String.format(
              "text has an unpaired UTF-16 surrogate U+%04X at index %d; only valid Unicode text"
                  + " can be tokenized",
              (int) text.charAt(bad), bad));
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code text} with every unpaired surrogate replaced by U+FFFD (what the fast tokenizer does).
   */
  static String replaceUnpairedSurrogates(String text) {
    if (firstUnpairedSurrogate(text) < 0) return text;
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        out.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        out.append('\uFFFD');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Index of the first unpaired surrogate, or -1. */
  static int firstUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /** sentencepiece's OneCharLen: the length a UTF-8 lead byte announces (1 for stray bytes). */
  static int oneCharLen(byte lead) {
    int hi = (lead & 0xFF) >>> 4;
    return hi < 12 ? 1 : hi < 14 ? 2 : hi == 14 ? 3 : 4;
  }

  /**
   * sentencepiece's DecodeUTF8: the byte length of the valid character at {@code pos}, or 0 when
   * the bytes there are malformed (overlong, surrogate, out of range, truncated).
   */
  static int validCharLength(byte[] s, int pos, int end) {
    int len = end - pos;
    int b0 = s[pos] & 0xFF;
    if (b0 < 0x80) return 1;
    if (len >= 2 && (b0 & 0xE0) == 0xC0) {
      int cp = ((b0 & 0x1F) << 6) | (s[pos + 1] & 0x3F);
      return isTrail(s[pos + 1]) && cp >= 0x80 && isValidCodepoint(cp) ? 2 : 0;
    }
    if (len >= 3 && (b0 & 0xF0) == 0xE0) {
      int cp = ((b0 & 0x0F) << 12) | ((s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
      return isTrail(s[pos + 1]) && isTrail(s[pos + 2]) && cp >= 0x800 && isValidCodepoint(cp)
          ? 3
          : 0;
    }
    if (len >= 4 && (b0 & 0xF8) == 0xF0) {
      int cp =
          ((b0 & 0x07) << 18)
              | ((s[pos + 1] & 0x3F) << 12)
              | ((s[pos + 2] & 0x3F) << 6)
              | (s[pos + 3] & 0x3F);
      return isTrail(s[pos + 1])
              && isTrail(s[pos + 2])
              && isTrail(s[pos + 3])
              && cp >= 0x10000
              && isValidCodepoint(cp)
          ? 4
          : 0;
    }
    return 0;
  }

  private static boolean isTrail(byte b) {
    return (b & 0xC0) == 0x80;
  }

  private static boolean isValidCodepoint(int c) {
    return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
  }

  /** Decodes well-formed UTF-8; returns null if the bytes are not well-formed. */
  static String decodeStrict(byte[] b, int off, int len) {
    int end = off + len;
    for (int i = off; i < end; ) {
      int n = validCharLength(b, i, end);
      if (n == 0) return null;
      i += n;
    }
    return new String(b, off, len, StandardCharsets.UTF_8);
  }

  static String decode(byte[] b, int off, int len) {
    return new String(b, off, len, StandardCharsets.UTF_8);
  }

  /** UTF-8 byte length of code point {@code cp}. */
  static int byteLength(int cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
}
