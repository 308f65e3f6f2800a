package org.altdiffusion.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * tokenizers' AddedVocabulary: added tokens are found leftmost-longest; those with normalized=false
 * in the raw text, the others in each normalized remaining span. single_word tokens only match
 * whole words; lstrip/rstrip tokens take the whitespace beside them.
 */
final class HfAddedTokens {
  private record Token(
      String content, int id, boolean singleWord, boolean lstrip, boolean rstrip) {}

  /**
   * A span of text ({@code id} null) or an added token. {@code first}: the span starts the input.
   */
  record Split(String text, Integer id, boolean first) {}

  private final Map<String, Integer> ids = new HashMap<>();
  private final List<Token> raw = new ArrayList<>(); // matched before normalization
  private final List<Token> normalized = new ArrayList<>(); // matched after, by normalized content
  private final HfNormalizers.TextNormalizer normalizer;

  HfAddedTokens(Json.Node list, HfModels.Model model, HfNormalizers.TextNormalizer normalizer) {
    this.normalizer = normalizer;
    if (list == null) return;
    list.array();
    for (int i = 0; i < list.size(); i++) {
      Json.Node t = list.at(i).object();
      String content = t.get("content").text();
      if (content.isEmpty()) continue;
      // As tokenizers: a token the model knows keeps the model's id; otherwise the id in the file.
      Integer id = model.tokenToId(content);
      if (id == null) id = t.get("id").integer();
      ids.putIfAbsent(content, id);
      boolean isNormalized = t.bool("normalized", !t.bool("special", false));
      String pattern = isNormalized && normalizer != null ? normalizer.apply(content) : content;
      Token token =
          new Token(
              pattern,
              id,
              t.bool("single_word", false),
              t.bool("lstrip", false),
              t.bool("rstrip", false));
      if (!pattern.isEmpty()) (isNormalized ? normalized : raw).add(token);
    }
  }

  Integer id(String content) {
    return ids.get(content);
  }

  /** The content of the added token with {@code id}, or null. */
  String content(int id) {
    for (Map.Entry<String, Integer> e : ids.entrySet()) if (e.getValue() == id) return e.getKey();
    return null;
  }

  /** AddedVocabulary::extract_and_normalize; empty spans are dropped. */
  List<Split> extractAndNormalize(String text) {
    List<Split> out = new ArrayList<>();
    for (Split s : findMatches(text, raw, true)) {
      if (s.id() != null) {
        out.add(s);
      } else {
        String n = normalizer == null ? s.text() : normalizer.apply(s.text());
        boolean startsInput = s.first();
        out.addAll(findMatches(n, normalized, startsInput));
      }
    }
    out.removeIf(s -> s.text().isEmpty());
    return out;
  }

  private static List<Split> findMatches(String sentence, List<Token> tokens, boolean startsInput) {
    List<Split> splits = new ArrayList<>();
    if (sentence.isEmpty()) return splits;
    int startOffset = 0;
    int pos = 0;
    while (pos < sentence.length() && !tokens.isEmpty()) {
      Token match = longestAt(sentence, pos, tokens);
      if (match == null) {
        pos++;
        continue;
      }
      int start = pos;
      int stop = pos + match.content().length();
      pos = stop; // the automaton continues after the raw match
      if (match.singleWord()) {
        boolean startSpace = start == 0 || !isWordChar(sentence.codePointBefore(start));
        boolean stopSpace = stop == sentence.length() || !isWordChar(sentence.codePointAt(stop));
        if (!startSpace || !stopSpace) continue;
      }
      if (match.lstrip()) {
        int newStart = start;
        while (newStart > 0 && HfNormalizers.isWhiteSpace(sentence.codePointBefore(newStart))) {
          newStart -= Character.charCount(sentence.codePointBefore(newStart));
        }
        start = Math.max(newStart, startOffset);
      }
      if (match.rstrip()) {
        while (stop < sentence.length() && HfNormalizers.isWhiteSpace(sentence.codePointAt(stop))) {
          stop += Character.charCount(sentence.codePointAt(stop));
        }
      }
      if (startOffset < start)
        splits.add(
            new Split(
                sentence.substring(startOffset, start), null, startsInput && startOffset == 0));
      splits.add(new Split(sentence.substring(start, stop), match.id(), false));
      startOffset = stop;
    }
    if (startOffset != sentence.length()) {
      splits.add(new Split(sentence.substring(startOffset), null, startsInput && startOffset == 0));
    }
    return splits;
  }

  private static Token longestAt(String s, int pos, List<Token> tokens) {
    Token best = null;
    for (Token t : tokens) {
      if (s.startsWith(t.content(), pos)
          && (best == null || t.content().length() > best.content().length())) best = t;
    }
    return best;
  }

  /** Rust regex's Unicode \w. */
  private static boolean isWordChar(int cp) {
    if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) return true;
    int t = Character.getType(cp);
    return t == Character.NON_SPACING_MARK
        || t == Character.ENCLOSING_MARK
        || t == Character.COMBINING_SPACING_MARK
        || t == Character.DECIMAL_DIGIT_NUMBER
        || t == Character.CONNECTOR_PUNCTUATION;
  }
}
