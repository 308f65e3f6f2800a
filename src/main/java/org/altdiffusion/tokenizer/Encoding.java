package org.altdiffusion.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * A prompt as the text encoder takes it: {@code ids} and {@code attentionMask} of exactly the
 * requested length (special tokens added, content truncated to fit, then padding), and the number
 * of tokens the prompt had before truncation (special tokens included) so callers can report it.
 *
 * @param ids token ids, padded with the pad id to the requested length
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param untruncatedLength tokens (with special tokens) before truncation
 */
public record Encoding(long[] ids, long[] attentionMask, int untruncatedLength) {
  /** Number of real (non-padding) tokens. */
  public int length() {
    int n = 0;
    for (long m : attentionMask) n += (int) m;
    return n;
  }

  /** Whether tokens were cut off to fit the requested length. */
  public boolean truncated() {
    return untruncatedLength > ids.length;
  }

  /**
   * {@code prefix + content + suffix}, the content truncated from the end so that the whole fits
   * {@code maxLength}, then padded with {@code padId} (what transformers does for
   * padding="max_length", truncation=True on one sequence).
   */
  static Encoding of(int[] prefix, int[] content, int[] suffix, int padId, int maxLength) {
    int specials = prefix.length + suffix.length;
    if (maxLength < specials) {
      throw new IllegalArgumentException(
          "maxLength "
              + maxLength
              + " cannot hold the "
              + specials
              + " special tokens; use at least "
              + specials);
    }
    int kept = Math.min(content.length, maxLength - specials);
    long[] ids = new long[maxLength];
    long[] mask = new long[maxLength];
    int n = 0;
    for (int id : prefix) ids[n++] = id;
    for (int i = 0; i < kept; i++) ids[n++] = content[i];
    for (int id : suffix) ids[n++] = id;
    Arrays.fill(mask, 0, n, 1L);
    Arrays.fill(ids, n, maxLength, padId);
    return new Encoding(ids, mask, content.length + specials);
  }

  /**
   * The ids of several encodings (all of the same length) row after row: a [batch, length] block.
   */
  public static long[] stackIds(List<Encoding> batch) {
    return stack(batch, true);
  }

  /** The attention masks of several encodings row after row: a [batch, length] block. */
  public static long[] stackAttentionMasks(List<Encoding> batch) {
    return stack(batch, false);
  }

  private static long[] stack(List<Encoding> batch, boolean ids) {
    if (batch.isEmpty()) return new long[0];
    int length = batch.get(0).ids.length;
    long[] out = new long[batch.size() * length];
    for (int b = 0; b < batch.size(); b++) {
      Encoding e = batch.get(b);
      if (e.ids.length != length)
        throw new IllegalArgumentException(
            "encodings differ in length: " + length + " and " + e.ids.length);
      System.arraycopy(ids ? e.ids : e.attentionMask, 0, out, b * length, length);
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Encoding e
        && Arrays.equals(ids, e.ids)
        && Arrays.equals(attentionMask, e.attentionMask)
        && untruncatedLength == e.untruncatedLength;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids) * 31 + untruncatedLength;
  }

  @Override
  public String toString() {
    return "Encoding[ids="
        + Arrays.toString(Arrays.copyOf(ids, length()))
        + " + "
        + (ids.length - length())
        + " padding, untruncatedLength="
        + untruncatedLength
        + "]";
  }
}
