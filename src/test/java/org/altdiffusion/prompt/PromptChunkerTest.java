package org.altdiffusion.prompt;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A1111's chunking on a toy tokenizer (one token per character, ',' = 44): window of 10, start 1,
 * end 2, comma backtrack 4.
 */
class PromptChunkerTest {
  static final PromptChunker CHUNKER = new PromptChunker(10, 1, 2, ',', 4);
  static final Function<String, int[]> CHARS = s -> s.chars().toArray();

  static List<PromptChunker.Chunk> chunks(String prompt) {
    return CHUNKER.chunks(PromptAttention.parse(prompt), CHARS, PromptChunker.Vocabulary.none());
  }

  @Test
  void shortPromptIsOnePaddedChunk() {
    List<PromptChunker.Chunk> c = chunks("abc");
    assertEquals(1, c.size());
    assertArrayEquals(new int[] {1, 'a', 'b', 'c', 2, 2, 2, 2, 2, 2, 2, 2}, c.get(0).tokens());
  }

  @Test
  void aFullChunkMovesTheTextAfterANearbyCommaToTheNext() {
    // 10 tokens "abcdefg,hi" fill the chunk; the comma is 2 back: "hi" moves on with "j"
    List<PromptChunker.Chunk> c = chunks("abcdefg,hij");
    assertEquals(2, c.size());
    assertArrayEquals(
        new int[] {1, 'a', 'b', 'c', 'd', 'e', 'f', 'g', ',', 2, 2, 2}, c.get(0).tokens());
    assertArrayEquals(new int[] {1, 'h', 'i', 'j', 2, 2, 2, 2, 2, 2, 2, 2}, c.get(1).tokens());
  }

  @Test
  void aCommaTooFarBackIsIgnored() {
    List<PromptChunker.Chunk> c = chunks("ab,cdefghijk");
    assertArrayEquals(
        new int[] {1, 'a', 'b', ',', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 2}, c.get(0).tokens());
  }

  @Test
  void breakPadsTheChunkAndWeightsFollowTheirTokens() {
    List<PromptChunker.Chunk> c = chunks("(ab) BREAK c");
    assertEquals(2, c.size());
    assertEquals(1.1, c.get(0).multipliers()[1]);
    assertEquals(1.0, c.get(0).multipliers()[0]);
    assertArrayEquals(new int[] {1, 'c', 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, c.get(1).tokens());
  }
}
