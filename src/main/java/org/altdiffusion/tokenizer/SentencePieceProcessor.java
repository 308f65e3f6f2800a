package org.altdiffusion.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.altdiffusion.tokenizer.SentencePieceModelFile.ModelType;
import org.altdiffusion.tokenizer.SentencePieceModelFile.Piece;
import org.altdiffusion.tokenizer.SentencePieceModelFile.PieceType;

/**
 * sentencepiece's SentencePieceProcessor::Encode in pure Java: normalization, then unigram
 * (Viterbi) or BPE segmentation, then sentencepiece's post-processing (runs of unknown pieces
 * merged into one; with byte_fallback, unknown pieces spelled as {@code <0xXX>} byte pieces). Ids
 * are sentencepiece's own (no fairseq shift). Thread-safe after construction.
 */
public final class SentencePieceProcessor {
  /** One output piece: its text (normalized form, "▁" for spaces) and its sentencepiece id. */
  public record Token(String piece, int id) {}

  private final SentencePieceModelFile model;
  private final List<Piece> pieces;
  private final Map<String, Integer> reservedPieces; // UNKNOWN, CONTROL, BYTE
  private final PieceTrie trie; // NORMAL, USER_DEFINED, UNUSED pieces
  private final PieceTrie userTrie; // user-defined pieces, or null
  private final SentencePieceNormalizer normalizer;
  private final int unkId;
  private final boolean byteFallback;
  private final float minScore;
  private final float maxScore;

  private SentencePieceProcessor(SentencePieceModelFile model) {
    this.model = model;
    this.pieces = model.pieces();
    this.reservedPieces = model.reservedIds();
    this.trie = model.normalIndex();
    int unk = -1;
    List<byte[]> userKeys = new ArrayList<>();
    float min = Float.MAX_VALUE;
    float max = Float.MIN_NORMAL; // sentencepiece starts from FLT_MIN, the smallest positive float
    for (int id = 0; id < pieces.size(); id++) {
      Piece p = pieces.get(id);
      PieceType t = p.type();
      if (t == PieceType.USER_DEFINED) userKeys.add(model.pieceBytes(id));
      if (t == PieceType.UNKNOWN) unk = id;
      if (t == PieceType.NORMAL) {
        min = Math.min(min, p.score());
        max = Math.max(max, p.score());
      }
    }
    this.unkId = unk;
    this.minScore = min;
    this.maxScore = max;
    this.byteFallback = model.trainerSpec().byteFallback();
    this.userTrie =
        userKeys.isEmpty()
            ? null
            : new PieceTrie(userKeys.toArray(new byte[0][]), new int[userKeys.size()]);
    try {
      this.normalizer =
          new SentencePieceNormalizer(
              model.normalizerSpec(), model.trainerSpec().treatWhitespaceAsSuffix(), userTrie);
    } catch (IllegalArgumentException e) {
      throw new org.altdiffusion.io.CheckpointException(model.file(), e.getMessage());
    }
  }

  /** Loads a sentencepiece model file. */
  public static SentencePieceProcessor load(Path file) {
    return new SentencePieceProcessor(SentencePieceModelFile.read(file));
  }

  public static SentencePieceProcessor of(SentencePieceModelFile model) {
    return new SentencePieceProcessor(model);
  }

  public SentencePieceModelFile model() {
    return model;
  }

  /** Number of pieces (sentencepiece's GetPieceSize / len(sp)). */
  public int size() {
    return pieces.size();
  }

  public String idToPiece(int id) {
    return pieces.get(id).piece();
  }

  public PieceType type(int id) {
    return pieces.get(id).type();
  }

  public int unkId() {
    return unkId;
  }

  /**
   * sentencepiece's PieceToId: reserved pieces first, then normal ones; unknown text gives unkId.
   */
  public int pieceToId(String piece) {
    Integer id = reservedPieces.get(piece);
    if (id != null) return id;
    int normal = trie.get(piece.getBytes(StandardCharsets.UTF_8));
    return normal >= 0 ? normal : unkId;
  }

  /** Whether {@code piece} is in the vocabulary at all (PieceToId would not fall back to unk). */
  public boolean contains(String piece) {
    return reservedPieces.containsKey(piece)
        || trie.get(piece.getBytes(StandardCharsets.UTF_8)) >= 0;
  }

  /** Encodes {@code text}. An unpaired UTF-16 surrogate is an error (as in the reference). */
  public List<Token> encode(String text) {
    return encodeUtf8(Utf8.encodeStrict(text));
  }

  /**
   * Encodes raw UTF-8 (malformed bytes are normalized to U+FFFD, one per byte, as sentencepiece
   * does).
   */
  public List<Token> encodeUtf8(byte[] utf8) {
    byte[] normalized = normalizer.normalize(utf8);
    int[] segments =
        model.trainerSpec().modelType() == ModelType.BPE ? bpe(normalized) : unigram(normalized);
    return populate(normalized, segments);
  }

  /** The ids of {@link #encode(String)}. */
  public int[] encodeIds(String text) {
    return encode(text).stream().mapToInt(Token::id).toArray();
  }

  /** The normalized text sentencepiece segments (for diagnostics). */
  public String normalize(String text) {
    byte[] n = normalizer.normalize(Utf8.encodeStrict(text));
    return Utf8.decode(n, 0, n.length);
  }

  // ---- segmentation: both return [start0, end0, id0, start1, end1, id1, ...] over normalized
  // bytes

  /**
   * Unigram Model::EncodeOptimized: Viterbi over all pieces that start at each character, keeping
   * only the best path ending at each byte. Scores are floats as in sentencepiece; ties keep the
   * earlier candidate. User-defined pieces get score {@code length * maxScore - 0.1}, so they
   * always win; candidate path scores are compared in double and stored as float, as in the C++. A
   * character no piece covers gets an unknown node.
   */
  private int[] unigram(byte[] text) {
    int size = text.length;
    if (size == 0) return new int[0];
    float unkScore = minScore - 10.0f;
    float[] bestScore = new float[size + 1];
    int[] startsAt = new int[size + 1];
    int[] bestId = new int[size + 1];
    Arrays.fill(startsAt, -1);
    int pos = 0;
    while (pos < size) {
      final int start = pos;
      final float tillHere = bestScore[start];
      int mblen = Math.min(Utf8.oneCharLen(text[start]), size - start);
      boolean[] hasSingle = {false};
      trie.prefixes(
          text,
          start,
          size,
          (length, id) -> {
            PieceType type = pieces.get(id).type();
            if (type == PieceType.UNUSED) return;
            int end = start + length;
            // The C++ computes this in double (its score is "cond ? double : float"), stores a
            // float.
            double score =
                type == PieceType.USER_DEFINED
                    ? (double) (length * maxScore) - 0.1
                    : pieces.get(id).score();
            double candidate = score + tillHere;
            if (startsAt[end] == -1 || candidate > bestScore[end]) {
              bestScore[end] = (float) candidate;
              startsAt[end] = start;
              bestId[end] = id;
            }
            if (length == mblen) hasSingle[0] = true;
          });
      if (!hasSingle[0]) {
        int end = start + mblen;
        float candidate = unkScore + tillHere;
        if (startsAt[end] == -1 || candidate > bestScore[end]) {
          bestScore[end] = candidate;
          startsAt[end] = start;
          bestId[end] = unkId;
        }
      }
      pos += mblen;
    }
    List<int[]> path = new ArrayList<>();
    for (int end = size; end > 0; end = startsAt[end])
      path.add(new int[] {startsAt[end], end, bestId[end]});
    int[] out = new int[path.size() * 3];
    for (int i = 0; i < path.size(); i++)
      System.arraycopy(path.get(path.size() - 1 - i), 0, out, i * 3, 3);
    return out;
  }

  /**
   * BPE Model::Encode: start from characters (user-defined symbols kept whole and frozen), then
   * repeatedly merge the adjacent pair whose concatenation is the best-scoring piece (ties: the
   * leftmost), until no pair is a piece. UNUSED pieces may be used as intermediate merges and are
   * split back into their parts at the end.
   */
  private int[] bpe(byte[] text) {
    int n = text.length;
    if (n == 0) return new int[0];
    // Symbols as a linked list over byte ranges.
    List<int[]> symbols = new ArrayList<>(); // {start, length, prev, next, frozen}
    int pos = 0;
    while (pos < n) {
      int len = 0;
      boolean frozen = false;
      if (userTrie != null) {
        int[] longest = {0};
        userTrie.prefixes(text, pos, n, (length, v) -> longest[0] = length);
        if (longest[0] > 0) {
          len = longest[0];
          frozen = true;
        }
      }
      if (len == 0) len = Math.min(n - pos, Utf8.oneCharLen(text[pos]));
      int index = symbols.size();
      symbols.add(new int[] {pos, len, index - 1, pos + len < n ? index + 1 : -1, frozen ? 1 : 0});
      pos += len;
    }
    // Agenda entries: {left, right, size}, with score; best score first, then leftmost.
    record Pair(int left, int right, float score, int size) {}
    PriorityQueue<Pair> agenda =
        new PriorityQueue<>(
            (a, b) ->
                a.score != b.score
                    ? Float.compare(b.score, a.score)
                    : Integer.compare(a.left, b.left));
    Map<String, String[]> reverseMerge = new HashMap<>();
    java.util.function.BiConsumer<Integer, Integer> maybeAdd =
        (left, right) -> {
          if (left == -1 || right == -1) return;
          int[] l = symbols.get(left);
          int[] r = symbols.get(right);
          if (l[4] == 1 || r[4] == 1) return;
          int id = trie.get(text, l[0], l[1] + r[1]);
          if (id < 0) return;
          agenda.add(new Pair(left, right, pieces.get(id).score(), l[1] + r[1]));
          if (pieces.get(id).type() == PieceType.UNUSED) {
            reverseMerge.put(
                Utf8.decode(text, l[0], l[1] + r[1]),
                new String[] {Utf8.decode(text, l[0], l[1]), Utf8.decode(text, r[0], r[1])});
          }
        };
    for (int i = 1; i < symbols.size(); i++) maybeAdd.accept(i - 1, i);
    while (!agenda.isEmpty()) {
      Pair top = agenda.poll();
      int[] l = symbols.get(top.left);
      int[] r = symbols.get(top.right);
      if (l[1] == 0 || r[1] == 0 || l[1] + r[1] != top.size) continue; // stale entry
      l[1] += r[1];
      l[3] = r[3];
      if (r[3] >= 0) symbols.get(r[3])[2] = top.left;
      r[1] = 0;
      maybeAdd.accept(l[2], top.left);
      maybeAdd.accept(top.left, l[3]);
    }
    List<int[]> out = new ArrayList<>();
    for (int index = 0; index != -1; index = symbols.get(index)[3]) {
      int[] s = symbols.get(index);
      resegment(text, s[0], Utf8.decode(text, s[0], s[1]), reverseMerge, out);
    }
    int[] flat = new int[out.size() * 3];
    for (int i = 0; i < out.size(); i++) System.arraycopy(out.get(i), 0, flat, i * 3, 3);
    return flat;
  }

  /** Splits UNUSED pieces back into the pieces they were merged from. */
  private void resegment(
      byte[] text, int start, String piece, Map<String, String[]> reverseMerge, List<int[]> out) {
    int id = pieceToId(piece);
    int length = piece.getBytes(StandardCharsets.UTF_8).length;
    String[] parts = pieces.get(id).type() == PieceType.UNUSED ? reverseMerge.get(piece) : null;
    if (parts == null) {
      out.add(new int[] {start, start + length, id});
      return;
    }
    resegment(text, start, parts[0], reverseMerge, out);
    resegment(
        text,
        start + parts[0].getBytes(StandardCharsets.UTF_8).length,
        parts[1],
        reverseMerge,
        out);
  }

  /**
   * SentencePieceProcessor::PopulateSentencePieceText: consecutive unknown pieces are merged into
   * one (unless byte_fallback, which spells each unknown piece as UTF-8 byte pieces instead).
   */
  private List<Token> populate(byte[] normalized, int[] segments) {
    List<Token> out = new ArrayList<>(segments.length / 3);
    boolean prevUnknown = false;
    int consumed = 0;
    for (int i = 0; i < segments.length; i += 3) {
      int start = segments[i];
      int end = segments[i + 1];
      int id = segments[i + 2];
      boolean unknown = id == unkId;
      if (pieces.get(id).type() == PieceType.CONTROL) {
        out.add(new Token(pieces.get(id).piece(), id)); // no surface: consumes nothing
      } else {
        if (start != consumed)
          throw new IllegalStateException("segmentation does not cover the text");
        if (unknown && byteFallback) {
          for (int b = start; b < end; b++) {
            String bytePiece = SentencePieceModelFile.pieceOfByte(normalized[b]);
            out.add(new Token(bytePiece, pieceToId(bytePiece)));
          }
        } else if (unknown && prevUnknown) {
          Token last = out.remove(out.size() - 1);
          out.add(new Token(last.piece() + Utf8.decode(normalized, start, end - start), id));
        } else {
          out.add(new Token(Utf8.decode(normalized, start, end - start), id));
        }
        consumed = end;
      }
      prevUnknown = unknown;
    }
    if (consumed != normalized.length)
      throw new IllegalStateException("segmentation does not cover the text");
    return out;
  }
}
