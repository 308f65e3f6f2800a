package org.altdiffusion.prompt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Cuts a prompt's weighted runs into windows of the text encoder, as A1111's {@code
 * FrozenCLIPEmbedderWithCustomWordsBase.tokenize_line}: each run tokenized on its own (no special
 * tokens, no truncation), tokens gathered into chunks of {@code chunkLength} (A1111: 75), each
 * chunk then padded with the end token and framed by the start and end tokens. When a chunk fills
 * up and its last comma is at most {@code commaBacktrack} (A1111: 20) tokens back, the tokens after
 * that comma move to the next chunk. A {@code BREAK} pads the current chunk and starts another.
 * Where a run's tokens spell an embedding's name, the embedding's vectors take their place (id 0 as
 * a placeholder, a {@link Fix} saying where).
 *
 * @param chunkLength tokens per chunk between the start and end tokens
 * @param startId the start-of-text token
 * @param endId the end-of-text token (also the padding inside a chunk, as in A1111)
 * @param commaId the comma A1111 prefers to cut after, or -1 for none
 * @param commaBacktrack how far back a comma may be; 0 disables it
 */
public record PromptChunker(
    int chunkLength, int startId, int endId, int commaId, int commaBacktrack) {

  /** A1111's comma_padding_backtrack default. */
  public static final int COMMA_BACKTRACK = 20;

  /** A1111's tokens per chunk (77 positions with the start and end tokens). */
  public static final int A1111_CHUNK = 75;

  public PromptChunker {
    if (chunkLength < 1)
      throw new IllegalArgumentException(
          "the text encoder's window leaves " + chunkLength + " tokens per chunk; at least 1");
  }

  /**
   * An embedding's vectors placed in a chunk.
   *
   * @param position the first position they take, counting the start token
   * @param embedding the vectors
   */
  public record Fix(int position, Embeddings.Loaded embedding) {}

  /**
   * One window of the encoder: {@code chunkLength + 2} tokens and their weights.
   *
   * @param tokens start token, content, end-token padding, end token
   * @param multipliers the weight of each token (1 for the start, end and padding)
   * @param fixes embeddings placed in the chunk
   */
  public record Chunk(int[] tokens, double[] multipliers, List<Fix> fixes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Chunk c
          && Arrays.equals(tokens, c.tokens)
          && Arrays.equals(multipliers, c.multipliers)
          && fixes.equals(c.fixes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(tokens);
    }

    @Override
    public String toString() {
      return "Chunk" + Arrays.toString(tokens);
    }
  }

  /**
   * Embedding names as token sequences, looked up by their first token (A1111's {@code
   * EmbeddingDatabase.find_embedding_at_position}: the longest name that matches wins).
   */
  public static final class Vocabulary {
    private record Name(int[] ids, Embeddings.Entry entry) {}

    private final Map<Integer, List<Name>> byFirstId = new HashMap<>();
    private final Embeddings embeddings;

    /** The names of {@code embeddings}' entries, tokenized by {@code tokenize}. */
    public Vocabulary(Embeddings embeddings, Function<String, int[]> tokenize) {
      this.embeddings = embeddings;
      for (Embeddings.Entry e : embeddings.entries()) {
        int[] ids = tokenize.apply(e.name());
        if (ids.length == 0) continue;
        byFirstId.computeIfAbsent(ids[0], k -> new ArrayList<>()).add(new Name(ids, e));
      }
      for (List<Name> names : byFirstId.values())
        names.sort(Comparator.comparingInt((Name n) -> n.ids.length).reversed());
    }

    /** No embeddings. */
    public static Vocabulary none() {
      return new Vocabulary(Embeddings.none(), s -> new int[0]);
    }

    /** The embedding whose name starts at {@code tokens[offset]} and its name's length, or null. */
    Match find(int[] tokens, int offset) {
      List<Name> names = byFirstId.get(tokens[offset]);
      if (names == null) return null;
      for (Name n : names) {
        if (offset + n.ids.length <= tokens.length
            && Arrays.equals(tokens, offset, offset + n.ids.length, n.ids, 0, n.ids.length))
          return new Match(embeddings.load(n.entry), n.ids.length);
      }
      return null;
    }
  }

  record Match(Embeddings.Loaded embedding, int nameTokens) {}

  /** The chunks of {@code runs}, each run tokenized by {@code tokenize}; at least one chunk. */
  public List<Chunk> chunks(
      List<PromptAttention.Run> runs, Function<String, int[]> tokenize, Vocabulary vocabulary) {
    Builder b = new Builder();
    for (PromptAttention.Run run : runs) {
      if (run.isBreak()) {
        b.next();
        continue;
      }
      int[] tokens = tokenize.apply(run.text());
      int position = 0;
      while (position < tokens.length) {
        int token = tokens[position];
        if (token == commaId) b.lastComma = b.tokens.size();
        else if (commaBacktrack != 0
            && b.tokens.size() == chunkLength
            && b.lastComma != -1
            && b.tokens.size() - b.lastComma <= commaBacktrack) b.moveAfterComma();
        if (b.tokens.size() == chunkLength) b.next();
        Match m = vocabulary.find(tokens, position);
        if (m == null) {
          b.add(token, run.weight());
          position++;
          continue;
        }
        int count = m.embedding().count();
        if (count > chunkLength)
          throw new IllegalArgumentException(
              "embedding '"
                  + m.embedding().name()
                  + "' has "
                  + count
                  + " vectors; the text encoder's chunks hold at most "
                  + chunkLength);
        if (b.tokens.size() + count > chunkLength) b.next();
        b.fixes.add(new Fix(b.tokens.size() + 1, m.embedding()));
        for (int i = 0; i < count; i++) b.add(0, run.weight());
        position += m.nameTokens();
      }
    }
    if (!b.tokens.isEmpty() || b.done.isEmpty()) b.next();
    return b.done;
  }

  /** The chunk being filled and those done. */
  private final class Builder {
    final List<Chunk> done = new ArrayList<>();
    List<Integer> tokens = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    List<Fix> fixes = new ArrayList<>();
    int lastComma = -1;

    void add(int token, double weight) {
      tokens.add(token);
      weights.add(weight);
    }

    /** A1111 moves the tokens, not the fixes: an embedding there stays in the chunk it was in. */
    void moveAfterComma() {
      int at = lastComma + 1;
      List<Integer> movedTokens = new ArrayList<>(tokens.subList(at, tokens.size()));
      List<Double> movedWeights = new ArrayList<>(weights.subList(at, weights.size()));
      tokens = new ArrayList<>(tokens.subList(0, at));
      weights = new ArrayList<>(weights.subList(0, at));
      next();
      tokens = movedTokens;
      weights = movedWeights;
    }

    /** Pads and frames the current chunk, starts an empty one. */
    void next() {
      int[] ids = new int[chunkLength + 2];
      double[] multipliers = new double[chunkLength + 2];
      Arrays.fill(ids, endId);
      Arrays.fill(multipliers, 1.0);
      ids[0] = startId;
      for (int i = 0; i < tokens.size(); i++) {
        ids[i + 1] = tokens.get(i);
        multipliers[i + 1] = weights.get(i);
      }
      done.add(new Chunk(ids, multipliers, List.copyOf(fixes)));
      tokens = new ArrayList<>();
      weights = new ArrayList<>();
      fixes = new ArrayList<>();
      lastComma = -1;
    }
  }
}
