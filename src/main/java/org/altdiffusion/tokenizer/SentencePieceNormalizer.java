package org.altdiffusion.tokenizer;

import java.util.Arrays;

/**
 * sentencepiece's Normalizer::Normalize on UTF-8 bytes: user-defined symbols pass through
 * untouched, otherwise the longest precompiled rule matching at each position replaces its key
 * (bytes no rule covers are copied one character at a time; a malformed byte becomes U+FFFD); then
 * whitespace handling: leading, trailing and repeated spaces removed (remove_extra_whitespaces), a
 * dummy "▁" prefix (add_dummy_prefix), and ' ' written as U+2581 (escape_whitespaces).
 */
final class SentencePieceNormalizer {
  private static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81}; // U+2581
  private static final byte[] SPACE = {' '};

  private final CharsMap charsMap; // null: identity
  private final PieceTrie userDefined; // null: none
  private final boolean addDummyPrefix;
  private final boolean removeExtraWhitespaces;
  private final boolean escapeWhitespaces;
  private final boolean treatWhitespaceAsSuffix;

  SentencePieceNormalizer(
      SentencePieceModelFile.NormalizerSpec spec,
      boolean treatWhitespaceAsSuffix,
      PieceTrie userDefined) {
    this.charsMap =
        spec.precompiledCharsmap().length == 0 ? null : CharsMap.parse(spec.precompiledCharsmap());
    this.userDefined = userDefined;
    this.addDummyPrefix = spec.addDummyPrefix();
    this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
    this.escapeWhitespaces = spec.escapeWhitespaces();
    this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
  }

  /**
   * The normalization of one prefix: {@code bytes[off, off+len)} replaces {@code consumed} input
   * bytes.
   */
  private static final class Chunk {
    byte[] bytes;
    int off;
    int len;
    int consumed;

    boolean isSingleSpace() {
      return len == 1 && bytes[off] == ' ';
    }
  }

  byte[] normalize(byte[] input) {
    if (input.length == 0) return input;
    Chunk chunk = new Chunk();
    int pos = 0;
    if (removeExtraWhitespaces) { // leading whitespace
      while (pos < input.length) {
        normalizePrefix(input, pos, chunk);
        if (!chunk.isSingleSpace()) break;
        pos += chunk.consumed;
      }
    }
    if (pos == input.length) return new byte[0];

    ByteSink out = new ByteSink(input.length * 3);
    byte[] space = escapeWhitespaces ? SPACE_SYMBOL : SPACE;
    if (!treatWhitespaceAsSuffix && addDummyPrefix) out.append(space, 0, space.length);
    boolean prevIsSpace = removeExtraWhitespaces;
    while (pos < input.length) {
      normalizePrefix(input, pos, chunk);
      int off = chunk.off;
      int end = chunk.off + chunk.len;
      while (prevIsSpace && off < end && chunk.bytes[off] == ' ') off++; // collapse runs of spaces
      if (off < end) {
        for (int i = off; i < end; i++) {
          byte b = chunk.bytes[i];
          if (escapeWhitespaces && b == ' ') out.append(SPACE_SYMBOL, 0, 3);
          else out.append(b);
        }
        prevIsSpace = chunk.bytes[end - 1] == ' ';
      }
      pos += chunk.consumed;
      if (!removeExtraWhitespaces) prevIsSpace = false;
    }
    if (removeExtraWhitespaces) { // trailing whitespace (including "▁" that was in the input)
      while (out.endsWith(space)) out.truncate(out.size() - space.length);
    }
    if (treatWhitespaceAsSuffix && addDummyPrefix) out.append(space, 0, space.length);
    return out.toArray();
  }

  /** Normalizer::NormalizePrefix. */
  private void normalizePrefix(byte[] input, int pos, Chunk chunk) {
    if (userDefined != null) {
      int[] longest = {0};
      userDefined.prefixes(input, pos, input.length, (length, value) -> longest[0] = length);
      if (longest[0] > 0) {
        set(chunk, input, pos, longest[0], longest[0]);
        return;
      }
    }
    if (charsMap != null) {
      long match = charsMap.longestPrefix(input, pos, input.length);
      if (match >= 0) {
        int value = (int) match;
        set(
            chunk,
            charsMap.replacements(),
            value,
            charsMap.replacementLength(value),
            (int) (match >>> 32));
        return;
      }
    }
    int length = Utf8.validCharLength(input, pos, input.length);
    if (length == 0) set(chunk, Utf8.REPLACEMENT, 0, 3, 1); // malformed: U+FFFD for one byte
    else set(chunk, input, pos, length, length);
  }

  private static void set(Chunk chunk, byte[] bytes, int off, int len, int consumed) {
    chunk.bytes = bytes;
    chunk.off = off;
    chunk.len = len;
    chunk.consumed = consumed;
  }

  /** A growable byte array. */
  static final class ByteSink {
    private byte[] buf;
    private int size;

    ByteSink(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    void append(byte b) {
      if (size == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
      buf[size++] = b;
    }

    void append(byte[] b, int off, int len) {
      if (size + len > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + len));
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    boolean endsWith(byte[] suffix) {
      return size >= suffix.length
          && Arrays.equals(buf, size - suffix.length, size, suffix, 0, suffix.length);
    }

    void truncate(int newSize) {
      size = newSize;
    }

    int size() {
      return size;
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, size);
    }
  }
}
