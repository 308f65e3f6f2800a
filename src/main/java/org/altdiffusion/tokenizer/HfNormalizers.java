package org.altdiffusion.tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The normalizers of a tokenizer.json ("normalizer" field) that XLM-R and CLIP files use. */
final class HfNormalizers {
  private HfNormalizers() {}

  /** A normalizer: text in, text out. */
  interface TextNormalizer extends UnaryOperator<String> {}

  static TextNormalizer parse(Json.Node n) {
    String type = n.get("type").text();
    return switch (type) {
      case "Sequence" -> {
        Json.Node list = n.get("normalizers").array();
        List<TextNormalizer> parts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) parts.add(parse(list.at(i)));
        yield s -> {
          for (TextNormalizer p : parts) s = p.apply(s);
          return s;
        };
      }
      case "Precompiled" -> precompiled(n);
      case "Strip" -> {
        boolean left = n.bool("strip_left", true);
        boolean right = n.bool("strip_right", true);
        yield s -> strip(s, left, right);
      }
      case "Replace" -> {
        Pattern p = pattern(n.get("pattern"));
        String content = n.get("content").text();
        yield s -> p.matcher(s).replaceAll(Matcher.quoteReplacement(content));
      }
      case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
      case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
      case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
      case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
      case "Lowercase" -> HfNormalizers::lowercase;
      case "Prepend" -> {
        String prepend = n.get("prepend").text();
        yield s -> s.isEmpty() ? s : prepend + s;
      }
      default ->
          throw n.get("type")
              .error(
                  "normalizer \""
                      + type
                      + "\" is not supported (supported: Sequence, "
                      + "Precompiled, Strip, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Prepend)");
    };
  }

  /**
   * tokenizers' Precompiled (spm_precompiled): per extended grapheme cluster, a cluster shorter
   * than 6 UTF-8 bytes is replaced whole when some rule key is a prefix of it (the shortest such
   * key's replacement); otherwise each character is replaced by its own rule, if any. This is not
   * the same as sentencepiece's longest-match normalization, on purpose of the reference.
   */
  private static TextNormalizer precompiled(Json.Node n) {
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(n.get("precompiled_charsmap").text());
    } catch (IllegalArgumentException e) {
      throw n.get("precompiled_charsmap").error("not valid base64");
    }
    CharsMap map;
    try {
      map = CharsMap.parse(blob);
    } catch (IllegalArgumentException e) {
      throw n.get("precompiled_charsmap").error(e.getMessage());
    }
    return s -> {
      StringBuilder out = new StringBuilder(s.length());
      for (int g = 0; g < s.length(); ) {
        int end = Graphemes.next(s, g);
        byte[] cluster = s.substring(g, end).getBytes(StandardCharsets.UTF_8);
        int whole = cluster.length < 6 ? map.shortestPrefixValue(cluster, 0, cluster.length) : -1;
        if (whole >= 0) {
          appendReplacement(map, whole, out);
        } else {
          for (int i = g; i < end; ) {
            int cp = s.codePointAt(i);
            byte[] c = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            int v = map.shortestPrefixValue(c, 0, c.length);
            if (v >= 0) appendReplacement(map, v, out);
            else out.appendCodePoint(cp);
            i += Character.charCount(cp);
          }
        }
        g = end;
      }
      return out.toString();
    };
  }

  private static void appendReplacement(CharsMap map, int value, StringBuilder out) {
    out.append(
        new String(
            map.replacements(), value, map.replacementLength(value), StandardCharsets.UTF_8));
  }

  /**
   * Rust's char::to_lowercase per character (full mappings, no context rules such as final sigma).
   */
  static String lowercase(String s) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            cp -> {
              if (cp < 0x80) out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
              else if (cp == 0x03A3)
                out.append('\u03C3'); // Σ: no final-sigma context in tokenizers
              else out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            });
    return out.toString();
  }

  static String strip(String s, boolean left, boolean right) {
    int b = 0;
    int e = s.length();
    if (left) {
      while (b < e && isWhiteSpace(s.codePointAt(b))) b += Character.charCount(s.codePointAt(b));
    }
    if (right) {
      while (e > b && isWhiteSpace(s.codePointBefore(e)))
        e -= Character.charCount(s.codePointBefore(e));
    }
    return s.substring(b, e);
  }

  /** Unicode White_Space (Rust's char::is_whitespace, regex \s). */
  static boolean isWhiteSpace(int cp) {
    return (cp >= 0x09 && cp <= 0x0D)
        || cp == 0x20
        || cp == 0x85
        || cp == 0xA0
        || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A)
        || cp == 0x2028
        || cp == 0x2029
        || cp == 0x202F
        || cp == 0x205F
        || cp == 0x3000;
  }

  /** A tokenizers pattern: {"String": literal} or {"Regex": Oniguruma regex} (as a Java regex). */
  static Pattern pattern(Json.Node p) {
    if (p.has("String")) return Pattern.compile(Pattern.quote(p.get("String").text()));
    if (p.has("Regex")) {
      String re = p.get("Regex").text();
      try {
        return Pattern.compile(re, Pattern.UNICODE_CHARACTER_CLASS);
      } catch (java.util.regex.PatternSyntaxException e) {
        throw p.get("Regex").error("regex not supported: " + e.getDescription());
      }
    }
    throw p.error("pattern must be {\"String\": ...} or {\"Regex\": ...}");
  }
}
