package org.altdiffusion.tokenizer;

import java.util.Arrays;

/**
 * The vocabulary as a set of UTF-8 keys with int values, answering "which keys are prefixes of the
 * text at this position" (in order of increasing length) and exact lookups. Keys are kept sorted
 * (unsigned byte order); a prefix search narrows the range of keys sharing the bytes read so far by
 * binary search, one byte at a time. Building is a sort, so a 250k-piece vocabulary loads quickly.
 */
final class PieceTrie {
  /** Receives the matches of a prefix search. */
  interface Visitor {
    /** A key of {@code length} bytes with {@code value} is a prefix of the searched text. */
    void match(int length, int value);
  }

  private final byte[][] keys;
  private final int[] values;
  private final int maxKeyLength;

  /** {@code keys[i]} maps to {@code values[i]}; keys must be distinct. */
  PieceTrie(byte[][] keys, int[] values) {
    int[] order = sortedOrder(keys);
    this.keys = new byte[keys.length][];
    this.values = new int[keys.length];
    int longest = 0;
    for (int i = 0; i < order.length; i++) {
      this.keys[i] = keys[order[i]];
      this.values[i] = values[order[i]];
      longest = Math.max(longest, this.keys[i].length);
      if (i > 0 && Arrays.equals(this.keys[i], this.keys[i - 1])) {
        throw new DuplicateKey(
            Utf8.decode(this.keys[i], 0, this.keys[i].length), this.values[i - 1], this.values[i]);
      }
    }
    this.maxKeyLength = longest;
  }

  /** Two keys are equal. */
  static final class DuplicateKey extends IllegalArgumentException {
    final String key;
    final int firstValue;
    final int secondValue;

    DuplicateKey(String key, int firstValue, int secondValue) {
      super("duplicate key " + key);
      this.key = key;
      this.firstValue = Math.min(firstValue, secondValue);
      this.secondValue = Math.max(firstValue, secondValue);
    }
  }

  /**
   * Indices of {@code keys} in unsigned lexicographic order. A primitive sort on the first bytes
   * packed with the index (fast for a 250k vocabulary), then the runs that share those bytes are
   * sorted by full comparison.
   */
  private static int[] sortedOrder(byte[][] keys) {
    int n = keys.length;
    int indexBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1)));
    int prefixBits = 63 - indexBits; // stay non-negative so signed order = unsigned order
    long[] packed = new long[n];
    for (int i = 0; i < n; i++) packed[i] = prefix(keys[i], prefixBits) << indexBits | i;
    Arrays.sort(packed);
    int[] order = new int[n];
    long indexMask = (1L << indexBits) - 1;
    for (int i = 0; i < n; i++) order[i] = (int) (packed[i] & indexMask);
    for (int from = 0; from < n; ) { // runs with equal prefixes: full comparison
      int to = from + 1;
      while (to < n && packed[to] >>> indexBits == packed[from] >>> indexBits) to++;
      if (to - from > 1) {
        Integer[] run = new Integer[to - from];
        for (int i = from; i < to; i++) run[i - from] = order[i];
        Arrays.sort(run, (a, b) -> Arrays.compareUnsigned(keys[a], keys[b]));
        for (int i = from; i < to; i++) order[i] = run[i - from];
      }
      from = to;
    }
    return order;
  }

  /**
   * The key's first {@code bits} bits, big-endian, zero-padded: consistent with unsigned byte
   * order.
   */
  private static long prefix(byte[] key, int bits) {
    long v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | (i < key.length ? key[i] & 0xFF : 0);
    return v >>> (64 - bits);
  }

  int size() {
    return keys.length;
  }

  /** Reports every key that is a prefix of {@code text[pos..end)}, shortest first. */
  void prefixes(byte[] text, int pos, int end, Visitor visitor) {
    int lo = 0;
    int hi = keys.length;
    int limit = Math.min(end - pos, maxKeyLength);
    for (int depth = 0; lo < hi; depth++) {
      // Keys in [lo, hi) all start with text[pos..pos+depth); a key of exactly that length sorts
      // first.
      if (keys[lo].length == depth) {
        if (depth > 0) visitor.match(depth, values[lo]);
        lo++;
      }
      if (depth >= limit || lo >= hi) return;
      int b = text[pos + depth] & 0xFF;
      int from = lowerBound(lo, hi, depth, b);
      int to = lowerBound(from, hi, depth, b + 1);
      lo = from;
      hi = to;
    }
  }

  /** The value of the key equal to {@code text[pos..pos+len)}, or -1. */
  int get(byte[] text, int pos, int len) {
    int lo = 0;
    int hi = keys.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Arrays.compareUnsigned(keys[mid], 0, keys[mid].length, text, pos, pos + len);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid - 1;
      else return values[mid];
    }
    return -1;
  }

  int get(byte[] key) {
    return get(key, 0, key.length);
  }

  /**
   * First index in [lo, hi) whose byte at {@code depth} is >= {@code b} (all have length > depth).
   */
  private int lowerBound(int lo, int hi, int depth, int b) {
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if ((keys[mid][depth] & 0xFF) < b) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
