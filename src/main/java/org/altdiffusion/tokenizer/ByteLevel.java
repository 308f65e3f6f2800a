package org.altdiffusion.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2/CLIP's reversible byte -> character table (bytes_to_unicode): printable Latin-1 bytes map
 * to themselves, the other 68 bytes to U+0100 onwards, so any UTF-8 text becomes a string of "byte
 * characters" a BPE vocabulary can cover without unknowns.
 */
final class ByteLevel {
  private static final char[] BYTE_TO_CHAR = new char[256];

  static {
    int n = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + n++);
    }
  }

  private ByteLevel() {}

  /** The byte characters in bytes_to_unicode's order: the printable bytes, then the others. */
  static java.util.List<String> alphabet() {
    java.util.List<String> printable = new java.util.ArrayList<>();
    java.util.List<String> others = new java.util.ArrayList<>();
    for (int b = 0; b < 256; b++)
      (BYTE_TO_CHAR[b] < 256 ? printable : others).add(String.valueOf(BYTE_TO_CHAR[b]));
    printable.addAll(others);
    return java.util.List.copyOf(printable);
  }

  /** The byte characters of {@code text}'s UTF-8 encoding. */
  static String encode(String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    char[] out = new char[utf8.length];
    for (int i = 0; i < utf8.length; i++) out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
    return new String(out);
  }
}
