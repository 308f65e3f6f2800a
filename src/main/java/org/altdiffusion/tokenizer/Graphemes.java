package org.altdiffusion.tokenizer;

/**
 * Extended grapheme cluster boundaries (Unicode UAX #29, rules GB3-GB13 without the Indic conjunct
 * rule GB9c), needed because tokenizers' Precompiled normalizer looks up whole grapheme clusters
 * shorter than 6 UTF-8 bytes. Character properties come from Java's Character data plus the short
 * lists below; Extended_Pictographic is approximated by the emoji blocks. Where this differs from
 * the reference's segmentation the clusters concerned are 6 bytes or longer, for which the
 * normalizer falls back to per-character lookups anyway.
 */
final class Graphemes {
  private static final int OTHER = 0;
  private static final int CR = 1;
  private static final int LF = 2;
  private static final int CONTROL = 3;
  private static final int EXTEND = 4;
  private static final int ZWJ = 5;
  private static final int REGIONAL_INDICATOR = 6;
  private static final int PREPEND = 7;
  private static final int SPACING_MARK = 8;
  private static final int L = 9;
  private static final int V = 10;
  private static final int T = 11;
  private static final int LV = 12;
  private static final int LVT = 13;

  private Graphemes() {}

  /** The end (exclusive, in chars) of the grapheme cluster starting at {@code start}. */
  static int next(String s, int start) {
    int cp = s.codePointAt(start);
    int prev = property(cp);
    boolean pictographicRun = isExtendedPictographic(cp); // ExtPict Extend* so far
    boolean pictographicZwj = false; // ExtPict Extend* ZWJ just seen
    int regionalCount = prev == REGIONAL_INDICATOR ? 1 : 0;
    int i = start + Character.charCount(cp);
    while (i < s.length()) {
      cp = s.codePointAt(i);
      int p = property(cp);
      if (isBoundary(prev, p, pictographicZwj && isExtendedPictographic(cp), regionalCount)) break;
      pictographicZwj = pictographicRun && p == ZWJ;
      pictographicRun = isExtendedPictographic(cp) || (pictographicRun && p == EXTEND);
      regionalCount = p == REGIONAL_INDICATOR ? regionalCount + 1 : 0;
      prev = p;
      i += Character.charCount(cp);
    }
    return i;
  }

  private static boolean isBoundary(
      int prev, int next, boolean emojiZwjSequence, int regionalCount) {
    if (prev == CR && next == LF) return false; // GB3
    if (prev == CR || prev == LF || prev == CONTROL) return true; // GB4
    if (next == CR || next == LF || next == CONTROL) return true; // GB5
    if (prev == L && (next == L || next == V || next == LV || next == LVT)) return false; // GB6
    if ((prev == LV || prev == V) && (next == V || next == T)) return false; // GB7
    if ((prev == LVT || prev == T) && next == T) return false; // GB8
    if (next == EXTEND || next == ZWJ) return false; // GB9
    if (next == SPACING_MARK) return false; // GB9a
    if (prev == PREPEND) return false; // GB9b
    if (prev == ZWJ && emojiZwjSequence) return false; // GB11
    if (prev == REGIONAL_INDICATOR && next == REGIONAL_INDICATOR)
      return regionalCount % 2 == 0; // GB12/13
    return true; // GB999
  }

  private static int property(int cp) {
    if (cp == '\r') return CR;
    if (cp == '\n') return LF;
    if (cp == 0x200D) return ZWJ;
    if (cp >= 0x1F1E6 && cp <= 0x1F1FF) return REGIONAL_INDICATOR;
    if (isPrepend(cp)) return PREPEND;
    if (cp >= 0x1100 && cp <= 0x115F || cp >= 0xA960 && cp <= 0xA97C) return L;
    if (cp >= 0x1160 && cp <= 0x11A7 || cp >= 0xD7B0 && cp <= 0xD7C6) return V;
    if (cp >= 0x11A8 && cp <= 0x11FF || cp >= 0xD7CB && cp <= 0xD7FB) return T;
    if (cp >= 0xAC00 && cp <= 0xD7A3) return (cp - 0xAC00) % 28 == 0 ? LV : LVT;
    if (cp == 0x200C
        || cp == 0xFF9E
        || cp == 0xFF9F
        || (cp >= 0x1F3FB && cp <= 0x1F3FF)
        || (cp >= 0xE0020 && cp <= 0xE007F)
        || isOtherGraphemeExtend(cp)) {
      return EXTEND;
    }
    int type = Character.getType(cp);
    if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK) return EXTEND;
    if (type == Character.COMBINING_SPACING_MARK)
      return isNotSpacingMark(cp) ? OTHER : SPACING_MARK;
    if (cp == 0x0E33 || cp == 0x0EB3) return SPACING_MARK;
    if (type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE) {
      return CONTROL;
    }
    return OTHER;
  }

  private static boolean isPrepend(int cp) {
    return (cp >= 0x0600 && cp <= 0x0605)
        || cp == 0x06DD
        || cp == 0x070F
        || cp == 0x0890
        || cp == 0x0891
        || cp == 0x08E2
        || cp == 0x0D4E
        || cp == 0x110BD
        || cp == 0x110CD
        || cp == 0x111C2
        || cp == 0x111C3
        || cp == 0x1193F
        || cp == 0x11941
        || cp == 0x11A3A
        || (cp >= 0x11A84 && cp <= 0x11A89)
        || cp == 0x11D46;
  }

  /** Spacing marks (Mc) that have Grapheme_Cluster_Break=Extend (Other_Grapheme_Extend). */
  private static boolean isOtherGraphemeExtend(int cp) {
    return switch (cp) {
      case 0x09BE,
          0x09D7,
          0x0B3E,
          0x0B57,
          0x0BBE,
          0x0BD7,
          0x0CC2,
          0x0CD5,
          0x0CD6,
          0x0D3E,
          0x0D57,
          0x0DCF,
          0x0DDF,
          0x1B35,
          0x302E,
          0x302F,
          0x1D165 ->
          true;
      default -> cp >= 0x1D16E && cp <= 0x1D172;
    };
  }

  /** Mc characters that are not SpacingMark (UAX #29 exceptions). */
  private static boolean isNotSpacingMark(int cp) {
    return switch (cp) {
      case 0x102B,
          0x102C,
          0x1038,
          0x1083,
          0x108F,
          0x1A61,
          0x1A63,
          0x1A64,
          0xAA7B,
          0xAA7D,
          0x11720,
          0x11721 ->
          true;
      default ->
          (cp >= 0x1062 && cp <= 0x1064)
              || (cp >= 0x1067 && cp <= 0x106D)
              || (cp >= 0x1087 && cp <= 0x108C)
              || (cp >= 0x109A && cp <= 0x109C);
    };
  }

  /** Extended_Pictographic, approximated by the emoji and pictograph ranges. */
  static boolean isExtendedPictographic(int cp) {
    if (cp < 0xA9) return false;
    if (cp == 0xA9
        || cp == 0xAE
        || cp == 0x203C
        || cp == 0x2049
        || cp == 0x2122
        || cp == 0x2139
        || cp == 0x2328
        || cp == 0x2388
        || cp == 0x23CF
        || cp == 0x24C2
        || cp == 0x25B6
        || cp == 0x25C0
        || cp == 0x3030
        || cp == 0x303D
        || cp == 0x3297
        || cp == 0x3299) {
      return true;
    }
    return (cp >= 0x2194 && cp <= 0x21AA)
        || (cp >= 0x231A && cp <= 0x231B)
        || (cp >= 0x23E9 && cp <= 0x23FA)
        || (cp >= 0x25AA && cp <= 0x25AB)
        || (cp >= 0x25FB && cp <= 0x25FE)
        || (cp >= 0x2600 && cp <= 0x27BF)
        || (cp >= 0x2934 && cp <= 0x2935)
        || (cp >= 0x2B05 && cp <= 0x2B07)
        || (cp >= 0x2B1B && cp <= 0x2B1C)
        || cp == 0x2B50
        || cp == 0x2B55
        || (cp >= 0x1F000 && cp <= 0x1F0FF)
        || (cp >= 0x1F10D && cp <= 0x1F10F)
        || cp == 0x1F12F
        || (cp >= 0x1F16C && cp <= 0x1F171)
        || (cp >= 0x1F17E && cp <= 0x1F17F)
        || cp == 0x1F18E
        || (cp >= 0x1F191 && cp <= 0x1F19A)
        || (cp >= 0x1F1AD && cp <= 0x1F1E5)
        || (cp >= 0x1F201 && cp <= 0x1F20F)
        || cp == 0x1F21A
        || cp == 0x1F22F
        || (cp >= 0x1F232 && cp <= 0x1F23A)
        || (cp >= 0x1F23C && cp <= 0x1F23F)
        || (cp >= 0x1F249 && cp <= 0x1F3FA)
        || (cp >= 0x1F400 && cp <= 0x1F53D)
        || (cp >= 0x1F546 && cp <= 0x1F64F)
        || (cp >= 0x1F680 && cp <= 0x1F6FF)
        || (cp >= 0x1F774 && cp <= 0x1F77F)
        || (cp >= 0x1F7D5 && cp <= 0x1F7FF)
        || (cp >= 0x1F80C && cp <= 0x1F80F)
        || (cp >= 0x1F848 && cp <= 0x1F84F)
        || (cp >= 0x1F85A && cp <= 0x1F85F)
        || (cp >= 0x1F888 && cp <= 0x1F88F)
        || (cp >= 0x1F8AE && cp <= 0x1F8FF)
        || (cp >= 0x1F90C && cp <= 0x1F93A)
        || (cp >= 0x1F93C && cp <= 0x1F945)
        || (cp >= 0x1F947 && cp <= 0x1FAFF)
        || (cp >= 0x1FC00 && cp <= 0x1FFFD);
  }
}
