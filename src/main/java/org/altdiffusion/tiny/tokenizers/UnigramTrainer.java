package org.altdiffusion.tiny.tokenizers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * sentencepiece's unigram trainer ({@code unigram_model_trainer.cc}) in Java, for corpora of a few
 * thousand sentences. The steps and constants are sentencepiece's:
 *
 * <ol>
 *   <li>Sentences are normalized without a character map (see {@link #normalize}) and split into
 *       words at each "▁" (split_by_whitespace).
 *   <li>Seed pieces: every character, plus every valid substring (at most {@code maxPieceLength}
 *       characters, one Unicode script, "▁" only in front) seen at least twice, ranked by frequency
 *       x length; initial scores are log-normalized ranks.
 *   <li>EM rounds: {@code numSubIterations} times an E-step (forward-backward over each word's
 *       lattice, expected piece counts) and an M-step (pieces expected less than 0.5 times dropped,
 *       scores {@code digamma(count) - digamma(total)}, sentencepiece's "Bayesianified" EM); then,
 *       while more than 1.1 x vocabSize pieces remain, pruning: each piece's loss of corpus
 *       likelihood if it were replaced by its best alternative segmentation, keeping the pieces
 *       that lose most (at least {@code shrinkingFactor} of them).
 *   <li>Final vocabulary: every character of the corpus first (character coverage 1.0, so no
 *       caption ever needs {@code <unk>}), then the best-scoring pieces up to the size asked for.
 * </ol>
 *
 * <p>Differences from sentencepiece, none of which changes the file format or how it is read: seeds
 * are all repeated substrings rather than the suffix array's maximal repeats; ties are broken by
 * piece text; arithmetic is double with {@link StrictMath}, so the same corpus gives the same
 * pieces and scores on every machine. Characters are Unicode code points.
 */
public final class UnigramTrainer {
  /** sentencepiece's whitespace symbol U+2581. */
  public static final String SPACE = "\u2581";

  private static final int SPACE_CP = 0x2581;
  private static final double UNK_PENALTY = 10.0;
  private static final double EXPECTED_FREQUENCY_THRESHOLD = 0.5;
  private static final double MIN_SCORE_PENALTY_DELTA = 0.0001;
  private static final double DESIRED_VOCAB_SLACK = 1.1;

  /**
   * @param vocabSize pieces in the final model, meta pieces included (sentencepiece's vocab_size)
   * @param maxPieceLength longest piece in characters; sentencepiece's default 16
   * @param numSubIterations EM iterations between prunings; default 2
   * @param shrinkingFactor fraction of pieces a pruning keeps at least; default 0.75
   * @param seedSize most seed pieces; default 1,000,000
   */
  public record Options(
      int vocabSize,
      int maxPieceLength,
      int numSubIterations,
      double shrinkingFactor,
      int seedSize) {
    public Options {
      if (vocabSize < 1)
        throw new IllegalArgumentException("vocabSize must be >= 1, got " + vocabSize);
      if (maxPieceLength < 1)
        throw new IllegalArgumentException("maxPieceLength must be >= 1, got " + maxPieceLength);
      if (numSubIterations < 1)
        throw new IllegalArgumentException(
            "numSubIterations must be >= 1, got " + numSubIterations);
      if (!(shrinkingFactor > 0 && shrinkingFactor < 1)) {
        throw new IllegalArgumentException(
            "shrinkingFactor must be in (0, 1), got " + shrinkingFactor);
      }
      if (seedSize < 1)
        throw new IllegalArgumentException("seedSize must be >= 1, got " + seedSize);
    }

    /** sentencepiece's defaults with {@code vocabSize}. */
    public static Options defaults(int vocabSize) {
      return new Options(vocabSize, 16, 2, 0.75, 1_000_000);
    }
  }

  /** A vocabulary entry: its text (normalized, "▁" for spaces) and log-probability score. */
  public record ScoredPiece(String piece, float score) {}

  /**
   * @param pieces the normal pieces, best score first (ties by text): ids follow the meta pieces
   * @param characters distinct characters of the corpus (all of them are pieces)
   * @param seedPieces seed pieces EM started from
   * @param rounds EM rounds run (each followed by a pruning but the last)
   * @param objective negative mean log-likelihood of a word at the end (for logs)
   */
  public record Result(
      List<ScoredPiece> pieces, int characters, int seedPieces, int rounds, double objective) {}

  private final Options options;
  private final List<int[]> words = new ArrayList<>(); // code points
  private final List<Long> wordFreq = new ArrayList<>();
  private long totalFreq;
  private final Map<Integer, Long> charFreq = new TreeMap<>();
  private String[] seeds;
  private int[][] seedCps;
  private final Map<String, Integer> seedIndex = new HashMap<>();
  private int[][] edges; // per word: start, end, id triples of seed substrings, by start
  private double[] score;
  private boolean[] alive;

  private UnigramTrainer(Options options) {
    this.options = options;
  }

  /**
   * Trains a unigram model on {@code sentences} (raw text; each counts once per occurrence). {@code
   * metaPieces} is how many ids the model reserves in front ({@code <unk>}, {@code <s>}, {@code
   * </s>}): the result has {@code vocabSize - metaPieces} pieces.
   */
  public static Result train(List<String> sentences, Options options, int metaPieces) {
    if (sentences.isEmpty()) throw new IllegalArgumentException("the corpus is empty");
    UnigramTrainer t = new UnigramTrainer(options);
    t.loadWords(sentences);
    t.makeSeeds();
    int desired = (int) (options.vocabSize() * DESIRED_VOCAB_SLACK);
    int rounds = 0;
    double objective = 0;
    while (true) {
      rounds++;
      for (int i = 0; i < options.numSubIterations(); i++) {
        double[] expected = new double[t.seeds.length];
        objective = t.expectation(expected);
        t.maximization(expected);
      }
      if (t.aliveCount() <= desired) break;
      t.prune(desired);
    }
    return new Result(
        t.finish(options.vocabSize() - metaPieces),
        t.charFreq.size(),
        t.seeds.length,
        rounds,
        objective);
  }

  /**
   * What sentencepiece's normalizer does with no character map (normalization rule "identity"),
   * add_dummy_prefix, remove_extra_whitespaces and escape_whitespaces: leading, trailing and
   * repeated spaces (U+0020 only) removed, "▁" in front, each space written as "▁".
   */
  public static String normalize(String text) {
    StringBuilder b = new StringBuilder(text.length() + 1);
    boolean space = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == ' ') {
        space = true;
        continue;
      }
      if (b.length() == 0 || space) b.append(SPACE);
      space = false;
      b.append(c);
    }
    return b.toString();
  }

  // ---- corpus -------------------------------------------------------------------------------

  private void loadWords(List<String> sentences) {
    Map<String, Long> counts = new TreeMap<>(); // sorted: the word order cannot depend on hashing
    for (String s : sentences) {
      String normalized = normalize(s);
      normalized.codePoints().forEach(c -> charFreq.merge(c, 1L, Long::sum));
      for (String w : splitIntoWords(normalized)) counts.merge(w, 1L, Long::sum);
    }
    if (counts.isEmpty()) throw new IllegalArgumentException("the corpus holds only whitespace");
    counts.forEach(
        (w, f) -> {
          words.add(w.codePoints().toArray());
          wordFreq.add(f);
          totalFreq += f;
        });
  }

  /** sentencepiece's SplitIntoWords: a new word starts at each "▁". */
  static List<String> splitIntoWords(String normalized) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    normalized
        .codePoints()
        .forEach(
            c -> {
              if (c == SPACE_CP && word.length() > 0) {
                out.add(word.toString());
                word.setLength(0);
              }
              word.appendCodePoint(c);
            });
    if (word.length() > 0) out.add(word.toString());
    return out;
  }

  /** Script state of a piece that has no script yet ("▁" alone). */
  private static final int ANY_SCRIPT = -1;

  /** Script state of a piece that is no longer valid. */
  private static final int INVALID = -2;

  /**
   * sentencepiece's IsValidSentencePiece for a piece growing one character at a time: "▁" only in
   * front, one Unicode script (Hiragana, Katakana and the prolonged sound mark count as Han;
   * combining marks take the script before them). Returns the script state after {@code c} at
   * {@code position}, or {@link #INVALID}.
   */
  private static int extend(int previous, int c, int position) {
    if (c == SPACE_CP) return position == 0 ? previous : INVALID;
    if (c == 0 || c == ' ' || !Character.isValidCodePoint(c)) return INVALID;
    Character.UnicodeScript s = Character.UnicodeScript.of(c);
    if (s == Character.UnicodeScript.HIRAGANA
        || s == Character.UnicodeScript.KATAKANA
        || c == 0x30FC) {
      s = Character.UnicodeScript.HAN;
    }
    int script = s == Character.UnicodeScript.INHERITED ? previous : s.ordinal();
    if (script != ANY_SCRIPT && previous != ANY_SCRIPT && script != previous) return INVALID;
    return script;
  }

  // ---- seeds --------------------------------------------------------------------------------

  private void makeSeeds() {
    Map<String, Long> substrings = new HashMap<>();
    for (int w = 0; w < words.size(); w++) {
      int[] cps = words.get(w);
      long f = wordFreq.get(w);
      for (int start = 0; start < cps.length; start++) {
        final int from = start;
        forEachValidPiece(
            cps,
            start,
            (end, piece) -> {
              if (end - from > 1) substrings.merge(piece, f, Long::sum);
            });
      }
    }
    // Every character, then repeated substrings by frequency x length (ties by text).
    List<Map.Entry<String, Double>> ranked = new ArrayList<>();
    charFreq.forEach((c, f) -> ranked.add(Map.entry(new String(Character.toChars(c)), (double) f)));
    ranked.sort(BY_SCORE);
    List<Map.Entry<String, Double>> longer = new ArrayList<>();
    substrings.forEach(
        (piece, f) -> {
          if (f > 1)
            longer.add(Map.entry(piece, (double) f * piece.codePointCount(0, piece.length())));
        });
    longer.sort(BY_SCORE);
    for (Map.Entry<String, Double> e : longer) {
      if (ranked.size() >= options.seedSize()) break;
      ranked.add(e);
    }
    double sum = 0;
    for (Map.Entry<String, Double> e : ranked) sum += e.getValue();
    double logSum = StrictMath.log(sum);
    seeds = new String[ranked.size()];
    seedCps = new int[ranked.size()][];
    score = new double[ranked.size()];
    alive = new boolean[ranked.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = ranked.get(i).getKey();
      seedCps[i] = seeds[i].codePoints().toArray();
      score[i] = StrictMath.log(ranked.get(i).getValue()) - logSum;
      alive[i] = true;
      seedIndex.put(seeds[i], i);
    }
    edges = new int[words.size()][];
    for (int w = 0; w < words.size(); w++) edges[w] = latticeEdges(words.get(w));
  }

  private static final Comparator<Map.Entry<String, Double>> BY_SCORE =
      Comparator.<Map.Entry<String, Double>>comparingDouble(Map.Entry::getValue)
          .reversed()
          .thenComparing(Map.Entry::getKey);

  private interface PieceVisitor {
    void visit(int end, String piece);
  }

  /** Visits every valid piece of {@code cps} starting at {@code start}, shortest first. */
  private void forEachValidPiece(int[] cps, int start, PieceVisitor visitor) {
    int script = ANY_SCRIPT;
    StringBuilder piece = new StringBuilder();
    for (int end = start + 1; end <= cps.length && end - start <= options.maxPieceLength(); end++) {
      int c = cps[end - 1];
      script = extend(script, c, end - 1 - start);
      if (script == INVALID) return;
      piece.appendCodePoint(c);
      visitor.visit(end, piece.toString());
    }
  }

  /** start, end, seed id of every seed piece inside {@code cps}, by start. */
  private int[] latticeEdges(int[] cps) {
    List<Integer> out = new ArrayList<>();
    for (int start = 0; start < cps.length; start++) {
      final int s = start;
      forEachValidPiece(
          cps,
          start,
          (end, piece) -> {
            Integer id = seedIndex.get(piece);
            if (id != null) {
              out.add(s);
              out.add(end);
              out.add(id);
            }
          });
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  // ---- EM -----------------------------------------------------------------------------------

  private int aliveCount() {
    int n = 0;
    for (boolean a : alive) n += a ? 1 : 0;
    return n;
  }

  private double minAliveScore() {
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < score.length; i++) if (alive[i]) min = Math.min(min, score[i]);
    return min;
  }

  /**
   * The lattice of one word: live piece edges plus, where no live single character covers a
   * position, an unknown edge (id -1) scored {@code minScore - 10} as sentencepiece does.
   */
  private int[] liveEdges(int[] all, int length, double unkScore, double[] edgeScore) {
    boolean[] covered = new boolean[length];
    int n = 0;
    for (int i = 0; i < all.length; i += 3) {
      if (!alive[all[i + 2]]) continue;
      n++;
      if (all[i + 1] - all[i] == 1) covered[all[i]] = true;
    }
    int unknown = 0;
    for (boolean c : covered) unknown += c ? 0 : 1;
    int[] out = new int[(n + unknown) * 3];
    int k = 0;
    int i = 0;
    for (int pos = 0; pos < length; pos++) { // keep edges ordered by start
      if (!covered[pos]) {
        edgeScore[k / 3] = unkScore;
        out[k++] = pos;
        out[k++] = pos + 1;
        out[k++] = -1;
      }
      for (; i < all.length && all[i] == pos; i += 3) {
        if (!alive[all[i + 2]]) continue;
        edgeScore[k / 3] = score[all[i + 2]];
        out[k++] = all[i];
        out[k++] = all[i + 1];
        out[k++] = all[i + 2];
      }
    }
    return out;
  }

  /** E-step: expected counts of each live piece; returns the negative mean log-likelihood. */
  private double expectation(double[] expected) {
    double unkScore = minAliveScore() - UNK_PENALTY;
    double objective = 0;
    for (int w = 0; w < words.size(); w++) {
      int length = words.get(w).length;
      double[] edgeScore = new double[edges[w].length / 3 + length];
      int[] e = liveEdges(edges[w], length, unkScore, edgeScore);
      double[] alpha = new double[length + 1];
      double[] beta = new double[length + 1];
      Arrays.fill(alpha, Double.NEGATIVE_INFINITY);
      Arrays.fill(beta, Double.NEGATIVE_INFINITY);
      alpha[0] = 0;
      beta[length] = 0;
      for (int i = 0; i < e.length; i += 3)
        alpha[e[i + 1]] = logAddExp(alpha[e[i + 1]], alpha[e[i]] + edgeScore[i / 3]);
      for (int i = e.length - 3; i >= 0; i -= 3)
        beta[e[i]] = logAddExp(beta[e[i]], edgeScore[i / 3] + beta[e[i + 1]]);
      double z = alpha[length];
      long f = wordFreq.get(w);
      for (int i = 0; i < e.length; i += 3) {
        if (e[i + 2] < 0) continue;
        expected[e[i + 2]] +=
            f * StrictMath.exp(alpha[e[i]] + edgeScore[i / 3] + beta[e[i + 1]] - z);
      }
      objective -= f * z / totalFreq;
    }
    return objective;
  }

  /** M-step: drop rarely expected pieces, rescore the rest with digamma (sentencepiece's DP-EM). */
  private void maximization(double[] expected) {
    double sum = 0;
    for (int i = 0; i < score.length; i++) {
      if (alive[i] && expected[i] < EXPECTED_FREQUENCY_THRESHOLD) alive[i] = false;
      if (alive[i]) sum += expected[i];
    }
    double logSum = digamma(sum);
    for (int i = 0; i < score.length; i++) if (alive[i]) score[i] = digamma(expected[i]) - logSum;
  }

  /**
   * Best segmentation of {@code e}'s lattice over {@code length} characters, skipping edge {@code
   * banned} (index).
   */
  private static Viterbi viterbi(int[] e, double[] edgeScore, int length, int banned) {
    double[] best = new double[length + 1];
    int[] from = new int[length + 1];
    Arrays.fill(best, Double.NEGATIVE_INFINITY);
    Arrays.fill(from, -1);
    best[0] = 0;
    for (int i = 0; i < e.length; i += 3) {
      if (i / 3 == banned || best[e[i]] == Double.NEGATIVE_INFINITY) continue;
      double s = best[e[i]] + edgeScore[i / 3];
      if (s > best[e[i + 1]]) {
        best[e[i + 1]] = s;
        from[e[i + 1]] = i;
      }
    }
    if (from[length] < 0) return null;
    List<Integer> ids = new ArrayList<>();
    for (int pos = length; pos > 0; pos = e[from[pos]]) ids.add(0, e[from[pos] + 2]);
    return new Viterbi(ids, best[length]);
  }

  private record Viterbi(List<Integer> ids, double score) {}

  /** Pruning: keep the pieces whose removal would cost the corpus most likelihood. */
  private void prune(int desired) {
    double unkScore = minAliveScore() - UNK_PENALTY;
    int n = seeds.length;
    boolean[] alwaysKeep = new boolean[n];
    List<List<Integer>> alternatives = new ArrayList<>();
    for (int id = 0; id < n; id++) {
      alternatives.add(List.of());
      if (!alive[id]) continue;
      int[] cps = seedCps[id];
      if (cps.length == 1) {
        alwaysKeep[id] = true; // a character cannot be split
        continue;
      }
      int[] all = latticeEdges(cps);
      double[] edgeScore = new double[all.length / 3 + cps.length];
      int[] e = liveEdges(all, cps.length, unkScore, edgeScore);
      int whole = -1;
      for (int i = 0; i < e.length; i += 3) if (e[i + 2] == id) whole = i / 3;
      Viterbi split = viterbi(e, edgeScore, cps.length, whole);
      if (split != null && split.score() > edgeScore[whole]) {
        alwaysKeep[id] = false; // its own text is better segmented otherwise: never on a best path
      } else {
        alwaysKeep[id] = true;
        if (split != null) alternatives.set(id, split.ids());
      }
    }
    // Frequencies on the best paths of the corpus, and which words use each piece.
    double[] freq = new double[n];
    List<List<Integer>> inverted = new ArrayList<>();
    for (int id = 0; id < n; id++) inverted.add(new ArrayList<>());
    double vsum = 0;
    for (int w = 0; w < words.size(); w++) {
      int length = words.get(w).length;
      double[] edgeScore = new double[edges[w].length / 3 + length];
      int[] e = liveEdges(edges[w], length, unkScore, edgeScore);
      long f = wordFreq.get(w);
      vsum += f;
      for (int id : viterbi(e, edgeScore, length, -1).ids()) {
        if (id < 0) continue;
        freq[id] += f;
        inverted.get(id).add(w);
      }
    }
    double sum = 0;
    for (double f : freq) sum += f;
    double logSum = StrictMath.log(sum);
    List<Integer> kept = new ArrayList<>();
    List<double[]> candidates = new ArrayList<>(); // {id, loss}
    for (int id = 0; id < n; id++) {
      if (!alive[id] || freq[id] == 0 || !alwaysKeep[id]) continue;
      if (alternatives.get(id).isEmpty()) {
        kept.add(id);
        continue;
      }
      double wordsWithPiece = 0;
      for (int w : inverted.get(id)) wordsWithPiece += wordFreq.get(w);
      wordsWithPiece /= vsum;
      double logProbPiece = StrictMath.log(freq[id]) - logSum;
      // Removing the piece hands its frequency to each of its alternatives.
      double logSumAlt = StrictMath.log(sum + freq[id] * (alternatives.get(id).size() - 1));
      double logProbAlt = 0;
      for (int alt : alternatives.get(id)) {
        double altFreq = alt < 0 ? 0 : freq[alt];
        logProbAlt += StrictMath.log(altFreq + freq[id]) - logSumAlt;
      }
      candidates.add(new double[] {id, wordsWithPiece * (logProbPiece - logProbAlt)});
    }
    int prunedSize = Math.max(desired, (int) (options.shrinkingFactor() * aliveCount()));
    candidates.sort(
        (a, b) -> a[1] != b[1] ? Double.compare(b[1], a[1]) : Double.compare(a[0], b[0]));
    for (double[] c : candidates) {
      if (kept.size() >= prunedSize) break;
      kept.add((int) c[0]);
    }
    Arrays.fill(alive, false);
    for (int id : kept) alive[id] = true;
  }

  /** Every character (frequent first), then the best live pieces, sorted by score. */
  private List<ScoredPiece> finish(int size) {
    if (charFreq.size() > size) {
      throw new IllegalArgumentException(
          "vocabulary size "
              + options.vocabSize()
              + " cannot hold the corpus's "
              + charFreq.size()
              + " characters and the meta pieces; use at least "
              + (options.vocabSize() - size + charFreq.size()));
    }
    Map<String, Double> chosen = new LinkedHashMap<>();
    double minScore = minAliveScore();
    List<Map.Entry<Integer, Long>> chars = new ArrayList<>(charFreq.entrySet());
    chars.sort(
        Map.Entry.<Integer, Long>comparingByValue().reversed().thenComparing(Map.Entry::getKey));
    double penalty = 0;
    for (Map.Entry<Integer, Long> c : chars) {
      String piece = new String(Character.toChars(c.getKey()));
      Integer id = seedIndex.get(piece);
      if (id != null && alive[id]) {
        chosen.put(piece, score[id]);
      } else {
        // Below every live piece; rarer characters lower still, so no two scores tie.
        chosen.put(piece, minScore - penalty);
        penalty += MIN_SCORE_PENALTY_DELTA;
      }
    }
    List<Integer> live = new ArrayList<>();
    for (int i = 0; i < seeds.length; i++) if (alive[i]) live.add(i);
    live.sort(
        (a, b) ->
            score[a] != score[b]
                ? Double.compare(score[b], score[a])
                : seeds[a].compareTo(seeds[b]));
    for (int id : live) {
      if (chosen.size() >= size) break;
      chosen.putIfAbsent(seeds[id], score[id]);
    }
    if (chosen.size() < size) {
      throw new IllegalArgumentException(
          "vocabulary size "
              + options.vocabSize()
              + " is too large for this corpus: "
              + "training kept only "
              + chosen.size()
              + " pieces; use at most "
              + (options.vocabSize() - size + chosen.size()));
    }
    List<ScoredPiece> out = new ArrayList<>();
    chosen.forEach((p, s) -> out.add(new ScoredPiece(p, (float) (double) s)));
    out.sort(
        Comparator.comparingDouble((ScoredPiece p) -> p.score())
            .reversed()
            .thenComparing(ScoredPiece::piece));
    return out;
  }

  // ---- numerics -----------------------------------------------------------------------------

  private static double logAddExp(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) return b;
    if (b == Double.NEGATIVE_INFINITY) return a;
    double hi = Math.max(a, b);
    return hi + StrictMath.log1p(StrictMath.exp(Math.min(a, b) - hi));
  }

  /** sentencepiece's Digamma: recurrence up to 7, then the asymptotic series. */
  static double digamma(double x) {
    double result = 0;
    for (; x < 7; ++x) result -= 1 / x;
    x -= 0.5;
    double xx = 1 / x;
    double xx2 = xx * xx;
    double xx4 = xx2 * xx2;
    result +=
        StrictMath.log(x)
            + (1.0 / 24.0) * xx2
            - (7.0 / 960.0) * xx4
            + (31.0 / 8064.0) * xx4 * xx2
            - (127.0 / 30720.0) * xx4 * xx4;
    return result;
  }
}
