package org.altdiffusion.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The models of a tokenizer.json ("model" field): Unigram and BPE, as the tokenizers library runs
 * them.
 */
final class HfModels {
  private HfModels() {}

  interface Model {
    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, List<Integer> out);

    /** The id of {@code token} in the vocabulary, or null. */
    Integer tokenToId(String token);

    /** The token of {@code id}, or null. */
    String idToToken(int id);
  }

  static Model parse(Json.Node n) {
    String type = n.has("type") ? n.get("type").text() : guessType(n);
    return switch (type) {
      case "Unigram" -> new Unigram(n);
      case "BPE" -> new Bpe(n);
      default ->
          throw n.get("type")
              .error("model \"" + type + "\" is not supported (Unigram and BPE are)");
    };
  }

  private static String guessType(Json.Node n) {
    if (n.has("merges")) return "BPE";
    if (n.has("vocab") && n.get("vocab").node().isArray()) return "Unigram";
    throw n.error("model has no \"type\"");
  }

  /**
   * tokenizers' Unigram (encode_optimized): sentencepiece's optimized Viterbi, but with double
   * scores, every vocabulary entry in the lattice, the minimum score over all entries, and runs of
   * unknown pieces fused into one string before lookup.
   */
  static final class Unigram implements Model {
    private final Map<String, Integer> ids = new HashMap<>();
    private final String[] pieces;
    private final double[] scores;
    private final PieceTrie trie;
    private final Integer unkId;
    private final boolean byteFallback;
    private final double minScore;

    Unigram(Json.Node n) {
      Json.Node vocab = n.get("vocab").array();
      if (vocab.size() == 0) throw vocab.error("the vocabulary is empty");
      scores = new double[vocab.size()];
      pieces = new String[vocab.size()];
      double min = Double.POSITIVE_INFINITY;
      for (int i = 0; i < vocab.size(); i++) {
        Json.Node entry = vocab.at(i).array();
        if (entry.size() != 2) throw entry.error("expected [piece, score]");
        pieces[i] = entry.at(0).text();
        ids.put(pieces[i], i); // a repeated piece keeps its last id, as in tokenizers
        scores[i] = entry.at(1).number();
        min = Math.min(min, scores[i]);
      }
      minScore = min;
      unkId = n.has("unk_id") ? n.get("unk_id").integer() : null;
      if (unkId != null && (unkId < 0 || unkId >= vocab.size()))
        throw n.get("unk_id").error("not in the vocabulary");
      byteFallback = n.bool("byte_fallback", false);
      byte[][] keys = new byte[ids.size()][];
      int[] values = new int[ids.size()];
      int k = 0;
      for (Map.Entry<String, Integer> e : ids.entrySet()) {
        keys[k] = e.getKey().getBytes(StandardCharsets.UTF_8);
        values[k++] = e.getValue();
      }
      trie = new PieceTrie(keys, values);
    }

    @Override
    public Integer tokenToId(String token) {
      return ids.get(token);
    }

    @Override
    public String idToToken(int id) {
      return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    @Override
    public void tokenize(String word, List<Integer> out) {
      for (String piece : encode(word)) {
        Integer id = ids.get(piece);
        if (id == null && byteFallback) {
          List<Integer> bytes = new ArrayList<>();
          for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            Integer bid = ids.get(SentencePieceModelFile.pieceOfByte(b));
            if (bid == null) {
              bytes = null;
              break;
            }
            bytes.add(bid);
          }
          if (bytes != null) {
            out.addAll(bytes);
            continue;
          }
        }
        if (id == null) {
          if (unkId == null)
            throw new IllegalStateException(
                "the Unigram model has no unk_id for \"" + piece + "\"");
          id = unkId;
        }
        out.add(id);
      }
    }

    private List<String> encode(String sentence) {
      byte[] s = sentence.getBytes(StandardCharsets.UTF_8);
      int size = s.length;
      List<String> results = new ArrayList<>();
      if (size == 0) return results;
      double unkScore = minScore - 10.0;
      double[] best = new double[size + 1];
      int[] startsAt = new int[size + 1];
      int[] bestId = new int[size + 1];
      Arrays.fill(startsAt, -1);
      for (int start = 0; start < size; ) {
        final int from = start;
        final double tillHere = best[from];
        final int mblen = Utf8.oneCharLen(s[from]);
        boolean[] hasSingle = {false};
        trie.prefixes(
            s,
            from,
            size,
            (length, id) -> {
              int end = from + length;
              double candidate = scores[id] + tillHere;
              if (startsAt[end] == -1 || candidate > best[end]) {
                best[end] = candidate;
                startsAt[end] = from;
                bestId[end] = id;
              }
              if (length == mblen) hasSingle[0] = true;
            });
        if (!hasSingle[0]) {
          if (unkId == null)
            throw new IllegalStateException(
                "the Unigram model has no unk_id for an unknown character");
          int end = from + mblen;
          double candidate = unkScore + tillHere;
          if (startsAt[end] == -1 || candidate > best[end]) {
            best[end] = candidate;
            startsAt[end] = from;
            bestId[end] = unkId;
          }
        }
        start += mblen;
      }
      // Backtrack; consecutive unknown pieces are fused.
      int unkEnd = -1;
      for (int end = size; end > 0; ) {
        int from = startsAt[end];
        if (unkId != null && bestId[end] == unkId) {
          if (unkEnd < 0) unkEnd = end;
        } else {
          if (unkEnd >= 0) {
            results.add(Utf8.decode(s, end, unkEnd - end));
            unkEnd = -1;
          }
          results.add(Utf8.decode(s, from, end - from));
        }
        end = from;
      }
      if (unkEnd >= 0) results.add(Utf8.decode(s, 0, unkEnd));
      java.util.Collections.reverse(results);
      return results;
    }
  }

  /**
   * tokenizers' BPE: characters of the word (the last one with end_of_word_suffix, later ones with
   * continuing_subword_prefix), unknown characters to the unk token (fused if fuse_unk) or to byte
   * tokens (byte_fallback), then merges applied lowest rank first (ties: leftmost).
   */
  static final class Bpe implements Model {
    private final Map<String, Integer> vocab = new HashMap<>();
    private volatile Map<Integer, String> reverse;
    private final Map<Long, long[]> merges = new HashMap<>(); // (a << 32 | b) -> {rank, newId}
    private final String unkToken;
    private final String prefix;
    private final String suffix;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;

    Bpe(Json.Node n) {
      Json.Node v = n.get("vocab").object();
      v.node()
          .fields()
          .forEachRemaining(
              e -> {
                if (!e.getValue().canConvertToInt())
                  throw v.error("token \"" + e.getKey() + "\" has no integer id");
                vocab.put(e.getKey(), e.getValue().asInt());
              });
      unkToken = n.has("unk_token") ? n.get("unk_token").text() : null;
      prefix = n.text("continuing_subword_prefix", "");
      suffix = n.text("end_of_word_suffix", "");
      fuseUnk = n.bool("fuse_unk", false);
      byteFallback = n.bool("byte_fallback", false);
      ignoreMerges = n.bool("ignore_merges", false);
      if (n.has("dropout") && n.get("dropout").number() > 0) {
        throw n.get("dropout").error("BPE dropout is random and not supported; set it to null");
      }
      Json.Node m = n.get("merges").array();
      for (int rank = 0; rank < m.size(); rank++) {
        Json.Node entry = m.at(rank);
        String a;
        String b;
        if (entry.node().isArray()) {
          if (entry.size() != 2) throw entry.error("a merge must have two parts");
          a = entry.at(0).text();
          b = entry.at(1).text();
        } else {
          String[] parts = entry.text().split(" ", -1);
          if (parts.length != 2) throw entry.error("a merge must be \"a b\"");
          a = parts[0];
          b = parts[1];
        }
        Integer ia = vocab.get(a);
        Integer ib = vocab.get(b);
        String joined = a + (b.length() >= prefix.length() ? b.substring(prefix.length()) : b);
        Integer ij = vocab.get(joined);
        if (ia == null || ib == null || ij == null) {
          throw entry.error(
              "merge \"" + a + " " + b + "\" uses a token missing from the vocabulary");
        }
        merges.put(pair(ia, ib), new long[] {rank, ij});
      }
    }

    @Override
    public Integer tokenToId(String token) {
      return vocab.get(token);
    }

    @Override
    public String idToToken(int id) {
      if (reverse == null) {
        Map<Integer, String> r = new HashMap<>();
        vocab.forEach((t, i) -> r.putIfAbsent(i, t));
        reverse = r;
      }
      return reverse.get(id);
    }

    @Override
    public void tokenize(String word, List<Integer> out) {
      if (word.isEmpty()) return;
      if (ignoreMerges && vocab.containsKey(word)) {
        out.add(vocab.get(word));
        return;
      }
      // Symbols: {id, byteLength, prev, next}
      List<int[]> symbols = new ArrayList<>();
      int[] unk = null; // pending {id, length}
      for (int i = 0; i < word.length(); ) {
        int cp = word.codePointAt(i);
        int next = i + Character.charCount(cp);
        String s = word.substring(i, next);
        int byteLen = s.getBytes(StandardCharsets.UTF_8).length;
        if (i > 0) s = prefix + s;
        if (next == word.length()) s = s + suffix;
        i = next;
        Integer id = vocab.get(s);
        if (id != null) {
          if (unk != null) {
            addSymbol(symbols, unk[0], unk[1]);
            unk = null;
          }
          addSymbol(symbols, id, byteLen);
          continue;
        }
        if (byteFallback) {
          List<Integer> bytes = new ArrayList<>();
          for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            Integer bid = vocab.get(String.format("<0x%02X>", b & 0xFF));
            if (bid == null) {
              bytes = null;
              break;
            }
            bytes.add(bid);
          }
          if (bytes != null) {
            for (int bid : bytes) addSymbol(symbols, bid, 1);
            continue;
          }
        }
        if (unkToken != null) {
          Integer unkId = vocab.get(unkToken);
          if (unkId == null)
            throw new IllegalStateException("unk_token " + unkToken + " is not in the vocabulary");
          if (unk != null && fuseUnk) {
            unk[1] += byteLen;
          } else {
            if (unk != null) addSymbol(symbols, unk[0], unk[1]);
            unk = new int[] {unkId, byteLen};
          }
        }
      }
      if (unk != null) addSymbol(symbols, unk[0], unk[1]);
      if (!symbols.isEmpty()) symbols.get(symbols.size() - 1)[3] = -1;
      mergeAll(symbols);
      for (int[] s : symbols) if (s[1] != 0) out.add(s[0]);
    }

    private static void addSymbol(List<int[]> symbols, int id, int len) {
      int index = symbols.size();
      symbols.add(new int[] {id, len, index - 1, index + 1});
    }

    private void mergeAll(List<int[]> symbols) {
      record Merge(int pos, long rank, int newId) {}
      PriorityQueue<Merge> queue =
          new PriorityQueue<>(
              (x, y) ->
                  x.rank != y.rank ? Long.compare(x.rank, y.rank) : Integer.compare(x.pos, y.pos));
      for (int i = 0; i + 1 < symbols.size(); i++) {
        long[] m = merges.get(pair(symbols.get(i)[0], symbols.get(i + 1)[0]));
        if (m != null) queue.add(new Merge(i, m[0], (int) m[1]));
      }
      while (!queue.isEmpty()) {
        Merge top = queue.poll();
        int[] cur = symbols.get(top.pos);
        if (cur[1] == 0 || cur[3] == -1) continue;
        int nextPos = cur[3];
        int[] right = symbols.get(nextPos);
        long[] m = merges.get(pair(cur[0], right[0]));
        if (m == null || m[1] != top.newId) continue; // expired entry
        cur[0] = top.newId;
        cur[1] += right[1];
        cur[3] = right[3];
        right[1] = 0;
        if (right[3] > -1 && right[3] < symbols.size()) symbols.get(right[3])[2] = top.pos;
        if (cur[2] >= 0) {
          long[] pm = merges.get(pair(symbols.get(cur[2])[0], cur[0]));
          if (pm != null) queue.add(new Merge(cur[2], pm[0], (int) pm[1]));
        }
        if (cur[3] >= 0 && cur[3] < symbols.size()) {
          long[] nm = merges.get(pair(cur[0], symbols.get(cur[3])[0]));
          if (nm != null) queue.add(new Merge(top.pos, nm[0], (int) nm[1]));
        }
      }
    }

    private static long pair(int a, int b) {
      return (long) a << 32 | (b & 0xFFFFFFFFL);
    }
  }
}
