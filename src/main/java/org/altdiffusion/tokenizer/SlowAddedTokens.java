package org.altdiffusion.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Added tokens as transformers' Python tokenizers (PreTrainedTokenizer.tokenize) handle them: the
 * text is split around every occurrence of an added token (leftmost match, longest at that
 * position), then a token with lstrip/rstrip strips whitespace (Python's str.isspace) from the
 * neighbouring text, and a single_word token glued to a word is put back into that text. The result
 * is a list of strings; a string equal to an added token's content is that token.
 */
final class SlowAddedTokens {
  record Token(String content, int id, boolean lstrip, boolean rstrip, boolean singleWord) {}

  private final Map<String, Token> byContent = new LinkedHashMap<>();

  void add(Token token) {
    byContent.putIfAbsent(token.content(), token);
  }

  boolean contains(String content) {
    return byContent.containsKey(content);
  }

  /** The id of the added token whose content is {@code text}, or null. */
  Integer id(String text) {
    Token t = byContent.get(text);
    return t == null ? null : t.id();
  }

  int maxId() {
    return byContent.values().stream().mapToInt(Token::id).max().orElse(-1);
  }

  /** Splits {@code text} as PreTrainedTokenizer.tokenize does; empty strings are dropped. */
  List<String> split(String text) {
    List<String> parts = splitOnTokens(text);
    for (int i = 0; i < parts.size(); i++) {
      Token t = byContent.get(parts.get(i));
      if (t == null) continue;
      String left = i > 0 ? parts.get(i - 1) : null;
      String right = i < parts.size() - 1 ? parts.get(i + 1) : null;
      if (t.rstrip() && right != null && !right.isEmpty())
        parts.set(i + 1, PythonStrings.lstrip(right));
      if (t.lstrip() && left != null && !left.isEmpty())
        parts.set(i - 1, PythonStrings.rstrip(left));
      if (t.singleWord() && left != null && !left.isEmpty() && !left.endsWith(" ")) {
        parts.set(i - 1, parts.get(i - 1) + parts.get(i));
        parts.set(i, "");
      } else if (t.singleWord() && right != null && !right.isEmpty() && !right.startsWith(" ")) {
        parts.set(i + 1, parts.get(i) + parts.get(i + 1));
        parts.set(i, "");
      }
    }
    parts.removeIf(String::isEmpty);
    return parts;
  }

  /** Text and token occurrences in order (the Trie.split step); no empty strings. */
  private List<String> splitOnTokens(String text) {
    List<String> out = new ArrayList<>();
    if (byContent.isEmpty()) {
      if (!text.isEmpty()) out.add(text);
      return out;
    }
    int from = 0;
    int pos = 0;
    while (pos < text.length()) {
      String match = null;
      for (String content : byContent.keySet()) {
        if (text.startsWith(content, pos) && (match == null || content.length() > match.length()))
          match = content;
      }
      if (match == null) {
        pos++;
        continue;
      }
      if (pos > from) out.add(text.substring(from, pos));
      out.add(match);
      pos += match.length();
      from = pos;
    }
    if (from < text.length()) out.add(text.substring(from));
    return out;
  }
}
