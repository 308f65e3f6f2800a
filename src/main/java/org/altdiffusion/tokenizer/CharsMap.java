package org.altdiffusion.tokenizer;

/**
 * sentencepiece's precompiled normalization rules ({@code precompiled_charsmap}): a little-endian
 * u32 trie size, a darts-clone double-array trie over UTF-8 keys, then a blob of NUL-terminated
 * replacement strings that the trie's values point into. The same bytes appear base64-encoded in a
 * tokenizer.json "Precompiled" normalizer.
 */
final class CharsMap {
  private final int[] units;
  private final byte[] normalized;

  private CharsMap(int[] units, byte[] normalized) {
    this.units = units;
    this.normalized = normalized;
  }

  /** Decodes the blob; throws IllegalArgumentException naming what is broken. */
  static CharsMap parse(byte[] blob) {
    if (blob.length <= 4)
      throw new IllegalArgumentException(
          "precompiled charsmap is broken (" + blob.length + " bytes)");
    long trieBytes =
        (blob[0] & 0xFFL)
            | (blob[1] & 0xFFL) << 8
            | (blob[2] & 0xFFL) << 16
            | (blob[3] & 0xFFL) << 24;
    if (trieBytes + 4 > blob.length || trieBytes % 4 != 0) {
      throw new IllegalArgumentException(
          "precompiled charsmap is broken: trie of "
              + trieBytes
              + " bytes does not fit in "
              + (blob.length - 4));
    }
    int[] units = new int[(int) (trieBytes / 4)];
    for (int i = 0, o = 4; i < units.length; i++, o += 4) {
      units[i] =
          (blob[o] & 0xFF)
              | (blob[o + 1] & 0xFF) << 8
              | (blob[o + 2] & 0xFF) << 16
              | (blob[o + 3] & 0xFF) << 24;
    }
    byte[] normalized = new byte[blob.length - 4 - units.length * 4];
    System.arraycopy(blob, 4 + units.length * 4, normalized, 0, normalized.length);
    return new CharsMap(units, normalized);
  }

  /**
   * sentencepiece's rule lookup (Normalizer::NormalizePrefix): the longest key that is a prefix of
   * {@code key[pos..end)}. Returns {@code matchLength << 32 | valueOffset}, or -1 when none
   * matches. Follows darts-clone's commonPrefixSearch step for step, NUL bytes included.
   */
  long longestPrefix(byte[] key, int pos, int end) {
    if (units.length == 0) return -1;
    long best = -1;
    int node = offset(units[0]);
    for (int i = pos; i < end; i++) {
      int c = key[i] & 0xFF;
      node ^= c;
      int unit = unit(node);
      if (label(unit) != c) break;
      node ^= offset(unit);
      if (hasLeaf(unit)) best = (long) (i + 1 - pos) << 32 | value(unit(node));
    }
    return best;
  }

  /**
   * The lookup of HF's spm_precompiled (tokenizers' Precompiled normalizer): the FIRST, i.e.
   * shortest, key that is a prefix of {@code key[pos..end)}, stopping at a NUL byte. Returns the
   * value offset, or -1.
   */
  int shortestPrefixValue(byte[] key, int pos, int end) {
    if (units.length == 0) return -1;
    int node = offset(units[0]);
    for (int i = pos; i < end; i++) {
      int c = key[i] & 0xFF;
      if (c == 0) break;
      node ^= c;
      int unit = unit(node);
      if (label(unit) != c) return -1;
      node ^= offset(unit);
      if (hasLeaf(unit)) return value(unit(node));
    }
    return -1;
  }

  /** Length of the NUL-terminated replacement string at {@code valueOffset}. */
  int replacementLength(int valueOffset) {
    if (valueOffset < 0 || valueOffset > normalized.length) throw corrupt();
    int e = valueOffset;
    while (e < normalized.length && normalized[e] != 0) e++;
    return e - valueOffset;
  }

  byte[] replacements() {
    return normalized;
  }

  boolean isEmpty() {
    return units.length == 0;
  }

  private int unit(int index) {
    if (index < 0 || index >= units.length) throw corrupt();
    return units[index];
  }

  private static IllegalStateException corrupt() {
    return new IllegalStateException("precompiled charsmap is corrupt (trie index out of range)");
  }

  // darts-clone unit layout.
  private static boolean hasLeaf(int unit) {
    return ((unit >>> 8) & 1) == 1;
  }

  private static int value(int unit) {
    return unit & 0x7FFFFFFF;
  }

  private static int label(int unit) {
    return unit & 0x800000FF;
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }
}
