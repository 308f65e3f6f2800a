package org.altdiffusion.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pre-tokenizers of a tokenizer.json ("pre_tokenizer" field): each turns one piece of
 * normalized text into several; empty pieces are dropped, as tokenizers does.
 */
final class HfPreTokenizers {
  private HfPreTokenizers() {}

  /**
   * A piece of text; {@code first}: it starts the input (for Metaspace's prepend_scheme "first").
   */
  record Piece(String text, boolean first) {}

  interface PreTokenizer {
    void split(Piece piece, List<Piece> out);
  }

  /** How a split treats the matched delimiters (tokenizers' SplitDelimiterBehavior). */
  enum Behavior {
    REMOVED,
    ISOLATED,
    MERGED_WITH_PREVIOUS,
    MERGED_WITH_NEXT,
    CONTIGUOUS
  }

  /** GPT-2's word regex, used by the ByteLevel pre-tokenizer. */
  private static final Pattern GPT2_WORDS =
      Pattern.compile(
          "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
          Pattern.UNICODE_CHARACTER_CLASS);

  /** The Whitespace pre-tokenizer's regex. */
  private static final Pattern WORDS_OR_PUNCTUATION =
      Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);

  static PreTokenizer parse(Json.Node n) {
    String type = n.get("type").text();
    return switch (type) {
      case "Sequence" -> {
        Json.Node list = n.get("pretokenizers").array();
        List<PreTokenizer> parts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) parts.add(parse(list.at(i)));
        yield (piece, out) -> {
          List<Piece> current = List.of(piece);
          for (PreTokenizer p : parts) {
            List<Piece> next = new ArrayList<>();
            for (Piece c : current) p.split(c, next);
            current = next;
          }
          out.addAll(current);
        };
      }
      case "Metaspace" -> metaspace(n);
      case "Split" -> {
        Pattern p = HfNormalizers.pattern(n.get("pattern"));
        Behavior behavior = behavior(n.get("behavior"));
        boolean invert = n.bool("invert", false);
        yield (piece, out) -> split(piece, p, invert, behavior, out);
      }
      case "ByteLevel" -> {
        boolean addPrefixSpace = n.bool("add_prefix_space", true);
        boolean useRegex = n.bool("use_regex", true);
        yield (piece, out) -> {
          String s = piece.text();
          if (addPrefixSpace && !s.startsWith(" ")) s = " " + s;
          List<Piece> words = new ArrayList<>();
          if (useRegex)
            split(new Piece(s, piece.first()), GPT2_WORDS, false, Behavior.ISOLATED, words);
          else words.add(new Piece(s, piece.first()));
          for (Piece w : words) out.add(new Piece(ByteLevel.encode(w.text()), w.first()));
        };
      }
      case "WhitespaceSplit" ->
          (piece, out) -> {
            for (String w : splitOnWhiteSpace(piece.text())) out.add(new Piece(w, false));
          };
      case "Whitespace" ->
          (piece, out) -> split(piece, WORDS_OR_PUNCTUATION, true, Behavior.REMOVED, out);
      default ->
          throw n.get("type")
              .error(
                  "pre-tokenizer \""
                      + type
                      + "\" is not supported (supported: Sequence, "
                      + "Metaspace, Split, ByteLevel, WhitespaceSplit, Whitespace)");
    };
  }

  /**
   * Metaspace: ' ' becomes the replacement character ("▁"), which is prepended (scheme "always";
   * "first": only to the piece that starts the input; "never") unless already there, then the text
   * is split before each replacement character.
   */
  private static PreTokenizer metaspace(Json.Node n) {
    String replacement = n.text("replacement", "\u2581");
    if (replacement.codePointCount(0, replacement.length()) != 1)
      throw n.get("replacement").error("must be one character");
    String scheme;
    if (n.has("prepend_scheme")) {
      scheme = n.get("prepend_scheme").text();
      if (!List.of("always", "first", "never").contains(scheme)) {
        throw n.get("prepend_scheme").error("must be always, first or never");
      }
    } else {
      scheme = n.bool("add_prefix_space", true) ? "always" : "never"; // older files
    }
    boolean split = n.bool("split", true);
    Pattern delimiter = Pattern.compile(Pattern.quote(replacement));
    String prependScheme = scheme;
    return (piece, out) -> {
      String s = piece.text().replace(" ", replacement);
      boolean prepend =
          prependScheme.equals("always") || (prependScheme.equals("first") && piece.first());
      if (prepend && !s.startsWith(replacement) && !s.isEmpty()) s = replacement + s;
      if (split)
        split(new Piece(s, piece.first()), delimiter, false, Behavior.MERGED_WITH_NEXT, out);
      else if (!s.isEmpty()) out.add(new Piece(s, piece.first()));
    };
  }

  private static Behavior behavior(Json.Node n) {
    return switch (n.text()) {
      case "Removed" -> Behavior.REMOVED;
      case "Isolated" -> Behavior.ISOLATED;
      case "MergedWithPrevious" -> Behavior.MERGED_WITH_PREVIOUS;
      case "MergedWithNext" -> Behavior.MERGED_WITH_NEXT;
      case "Contiguous" -> Behavior.CONTIGUOUS;
      default -> throw n.error("unknown split behavior \"" + n.text() + "\"");
    };
  }

  /** NormalizedString::split: matches and the gaps between them, arranged by {@code behavior}. */
  static void split(
      Piece piece, Pattern pattern, boolean invert, Behavior behavior, List<Piece> out) {
    String s = piece.text();
    if (s.isEmpty()) return;
    // (start, end, isMatch) covering the text.
    List<int[]> spans = new ArrayList<>();
    Matcher m = pattern.matcher(s);
    int prev = 0;
    while (m.find()) {
      if (m.start() != prev) spans.add(new int[] {prev, m.start(), invert ? 1 : 0});
      spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
      prev = m.end();
    }
    if (prev != s.length()) spans.add(new int[] {prev, s.length(), invert ? 1 : 0});

    List<int[]> kept = new ArrayList<>(); // {start, end}
    switch (behavior) {
      case REMOVED -> {
        for (int[] sp : spans) if (sp[2] == 0) kept.add(new int[] {sp[0], sp[1]});
      }
      case ISOLATED -> {
        for (int[] sp : spans) kept.add(new int[] {sp[0], sp[1]});
      }
      case CONTIGUOUS -> {
        boolean previous = false;
        for (int[] sp : spans) {
          boolean match = sp[2] == 1;
          if (match == previous && !kept.isEmpty()) kept.get(kept.size() - 1)[1] = sp[1];
          else kept.add(new int[] {sp[0], sp[1]});
          previous = match;
        }
      }
      case MERGED_WITH_PREVIOUS -> {
        boolean previous = false;
        for (int[] sp : spans) {
          boolean match = sp[2] == 1;
          if (match && !previous && !kept.isEmpty()) kept.get(kept.size() - 1)[1] = sp[1];
          else kept.add(new int[] {sp[0], sp[1]});
          previous = match;
        }
      }
      case MERGED_WITH_NEXT -> {
        boolean previous = false;
        for (int i = spans.size() - 1; i >= 0; i--) {
          int[] sp = spans.get(i);
          boolean match = sp[2] == 1;
          if (match && !previous && !kept.isEmpty()) kept.get(kept.size() - 1)[0] = sp[0];
          else kept.add(new int[] {sp[0], sp[1]});
          previous = match;
        }
        java.util.Collections.reverse(kept);
      }
    }
    for (int[] k : kept) {
      if (k[1] > k[0]) out.add(new Piece(s.substring(k[0], k[1]), piece.first() && k[0] == 0));
    }
  }

  private static List<String> splitOnWhiteSpace(String s) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      while (i < s.length() && HfNormalizers.isWhiteSpace(s.codePointAt(i)))
        i += Character.charCount(s.codePointAt(i));
      int start = i;
      while (i < s.length() && !HfNormalizers.isWhiteSpace(s.codePointAt(i)))
        i += Character.charCount(s.codePointAt(i));
      if (i > start) out.add(s.substring(start, i));
    }
    return out;
  }
}
