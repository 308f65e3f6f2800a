package org.altdiffusion.tiny.tokenizers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.altdiffusion.tokenizer.ClipTokenizer;

/**
 * Trains a CLIP-style byte-level BPE vocabulary (vocab.json + merges.txt as CLIPTokenizer reads
 * them). Words are what {@link ClipTokenizer#words} gives (lower case, CLIP's word pattern, byte
 * characters), each ending in {@code </w>}. Merges are learned as in Sennrich et al.: repeatedly
 * join the most frequent adjacent pair of symbols over the word counts (ties: the pair whose text
 * sorts first), until no pair occurs {@code minFrequency} times or {@code maxMerges} are learned.
 *
 * <p>The vocabulary is laid out as OpenAI's CLIP vocabulary: the 256 byte characters, the same with
 * {@code </w>}, one token per merge, then {@code <|startoftext|>} and {@code <|endoftext|>} last.
 * So every text tokenizes without unknowns, and corpus words become single tokens.
 */
public final class ClipBpeTrainer {
  public static final String END_OF_WORD = "</w>";
  public static final String START_OF_TEXT = "<|startoftext|>";
  public static final String END_OF_TEXT = "<|endoftext|>";

  /**
   * @param maxMerges most merges learned
   * @param minFrequency a pair must occur at least this often (weighted by word counts) to merge
   */
  public record Options(int maxMerges, int minFrequency) {
    public Options {
      if (maxMerges < 0)
        throw new IllegalArgumentException("maxMerges must be >= 0, got " + maxMerges);
      if (minFrequency < 1)
        throw new IllegalArgumentException("minFrequency must be >= 1, got " + minFrequency);
    }

    /** Up to 2,000 merges, pairs seen at least twice. */
    public static Options defaults() {
      return new Options(2000, 2);
    }
  }

  /**
   * A trained vocabulary.
   *
   * @param tokens the tokens in id order
   * @param merges the merges in rank order, each {@code {left, right}}
   */
  public record Vocabulary(List<String> tokens, List<String[]> merges) {
    public int size() {
      return tokens.size();
    }

    public int id(String token) {
      return tokens.indexOf(token);
    }
  }

  private ClipBpeTrainer() {}

  public static Vocabulary train(List<String> texts, Options options) {
    Map<String, Long> wordCounts = new TreeMap<>();
    for (String t : texts)
      for (String w : ClipTokenizer.words(t)) wordCounts.merge(w, 1L, Long::sum);
    if (wordCounts.isEmpty()) throw new IllegalArgumentException("the corpus has no words");
    List<List<String>> words = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    wordCounts.forEach(
        (w, c) -> {
          List<String> symbols = new ArrayList<>();
          for (int i = 0; i < w.length() - 1; i++) symbols.add(String.valueOf(w.charAt(i)));
          symbols.add(w.charAt(w.length() - 1) + END_OF_WORD);
          words.add(symbols);
          counts.add(c);
        });
    List<String[]> merges = new ArrayList<>();
    while (merges.size() < options.maxMerges()) {
      String[] best = mostFrequentPair(words, counts, options.minFrequency());
      if (best == null) break;
      merges.add(best);
      for (int w = 0; w < words.size(); w++) words.set(w, apply(words.get(w), best[0], best[1]));
    }
    Set<String> tokens = new LinkedHashSet<>();
    List<String> alphabet = ClipTokenizer.byteAlphabet();
    tokens.addAll(alphabet);
    for (String c : alphabet) tokens.add(c + END_OF_WORD);
    for (String[] m : merges) tokens.add(m[0] + m[1]); // a repeated result keeps its first id
    tokens.add(START_OF_TEXT);
    tokens.add(END_OF_TEXT);
    return new Vocabulary(List.copyOf(tokens), List.copyOf(merges));
  }

  private static String[] mostFrequentPair(
      List<List<String>> words, List<Long> counts, int minFrequency) {
    Map<String, Long> pairs = new HashMap<>();
    Map<String, String[]> parts = new HashMap<>();
    for (int w = 0; w < words.size(); w++) {
      List<String> s = words.get(w);
      for (int i = 0; i + 1 < s.size(); i++) {
        String key = s.get(i) + " " + s.get(i + 1);
        pairs.merge(key, counts.get(w), Long::sum);
        parts.putIfAbsent(key, new String[] {s.get(i), s.get(i + 1)});
      }
    }
    String bestKey = null;
    long bestCount = 0;
    for (Map.Entry<String, Long> e : pairs.entrySet()) {
      long c = e.getValue();
      if (c > bestCount || (c == bestCount && e.getKey().compareTo(bestKey) < 0)) {
        bestKey = e.getKey();
        bestCount = c;
      }
    }
    return bestKey == null || bestCount < minFrequency ? null : parts.get(bestKey);
  }

  /**
   * Joins every non-overlapping occurrence of (left, right), left to right, as CLIPTokenizer.bpe
   * does.
   */
  private static List<String> apply(List<String> symbols, String left, String right) {
    List<String> out = new ArrayList<>(symbols.size());
    for (int i = 0; i < symbols.size(); ) {
      if (i + 1 < symbols.size()
          && symbols.get(i).equals(left)
          && symbols.get(i + 1).equals(right)) {
        out.add(left + right);
        i += 2;
      } else {
        out.add(symbols.get(i++));
      }
    }
    return out;
  }
}
