package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.io.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipTokenizerTest {
  @Test
  void idsEqualClipTokenizerForEveryCorpusSentence() {
    ClipTokenizer clip = ClipTokenizer.load(Fixtures.file("clip"));
    assertEquals(2013, clip.padId()); // <|endoftext|>, SD 1.x
    assertEquals(2012, clip.bosId());
    assertEquals(77, clip.modelMaxLength());
    ParityCheck.check("ClipTokenizer vs slow", clip, "clip_cases.jsonl", "slow");
  }

  /** pad_token "!" (SD 2.x): pads with id 0, and "!" becomes an added token, as in transformers. */
  @Test
  void padTokenBangPadsWithIdZeroForEveryCorpusSentence() {
    ClipTokenizer clip = ClipTokenizer.load(Fixtures.file("clip_pad_bang"));
    assertEquals(0, clip.padId());
    int differing = 0;
    for (JsonNode c : Fixtures.lines("clip_cases.jsonl")) {
      String field = c.has("bang") ? "bang" : "slow";
      differing += c.has("bang") ? 1 : 0;
      String text = c.get("text").asText();
      Encoding e = clip.encode(text, 77);
      assertArrayEquals(Fixtures.padded(c.get(field), 77, 0), e.ids(), Fixtures.show(text));
      assertEquals(c.get(field + "_len").asInt(), e.untruncatedLength(), Fixtures.show(text));
    }
    assertTrue(differing > 0, "the fixture must hold texts where '!' is split out");
  }

  @Test
  void unpairedSurrogatesAreRejected() {
    ClipTokenizer clip = ClipTokenizer.load(Fixtures.file("clip"));
    assertThrows(IllegalArgumentException.class, () -> clip.encode("a\uDBFFb"));
  }

  @Test
  void brokenFilesAreRejectedClearly(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0, \"b\": ");
    Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na b\n");
    CheckpointException e = assertThrows(CheckpointException.class, () -> ClipTokenizer.load(dir));
    assertTrue(
        e.getMessage().contains("vocab.json") && e.getMessage().contains("not valid JSON"),
        e.getMessage());
    Files.writeString(dir.resolve("vocab.json"), "{\"a\": \"zero\"}");
    e = assertThrows(CheckpointException.class, () -> ClipTokenizer.load(dir));
    assertTrue(e.getMessage().contains("no valid id"), e.getMessage());
    Files.delete(dir.resolve("merges.txt"));
    Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
    e = assertThrows(CheckpointException.class, () -> ClipTokenizer.load(dir));
    assertTrue(
        e.getMessage().contains("merges.txt") && e.getMessage().contains("not found"),
        e.getMessage());
  }
}
