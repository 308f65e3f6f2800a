package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
  @Test
  void xlmRobertaTokenizerJsonEqualsFastTokenizerForEveryCorpusSentence() {
    ParityCheck.check(
        "tokenizer.json (XLM-R) vs fast",
        HfTokenizer.load(Fixtures.file("xlmr/tokenizer.json")),
        "xlmr_cases.jsonl",
        "fast");
  }

  @Test
  void clipTokenizerJsonEqualsFastTokenizerForEveryCorpusSentence() {
    ParityCheck.check(
        "tokenizer.json (CLIP) vs fast",
        HfTokenizer.load(Fixtures.file("clip/tokenizer.json")),
        "clip_cases.jsonl",
        "fast");
  }

  /**
   * The slow and fast reference tokenizers disagree on some sentences; each Java twin follows its
   * own.
   */
  @Test
  void slowAndFastDisagreementsAreThoseOfTheReference() {
    JsonNode manifest = Fixtures.manifest();
    for (String name : List.of("xlmr", "clip")) {
      List<Integer> recorded = new ArrayList<>();
      manifest.get(name + "_slow_fast_disagree").forEach(n -> recorded.add(n.asInt()));
      PromptTokenizer slow =
          name.equals("xlmr")
              ? XlmRobertaTokenizer.load(Fixtures.file(name))
              : ClipTokenizer.load(Fixtures.file(name));
      HfTokenizer fast = HfTokenizer.load(Fixtures.file(name));
      List<Integer> found = new ArrayList<>();
      List<JsonNode> cases = Fixtures.lines(name + "_cases.jsonl");
      for (int i = 0; i < cases.size(); i++) {
        String text = cases.get(i).get("text").asText();
        if (!slow.encode(text, 77).equals(fast.encode(text, 77))) found.add(i);
      }
      System.out.printf(
          "%s: slow and fast disagree on %d of %d sentences%n", name, found.size(), cases.size());
      assertEquals(recorded, found, name);
    }
  }

  @Test
  void unpairedSurrogatesBecomeReplacementCharactersAsInTheFastTokenizer() {
    HfTokenizer fast = HfTokenizer.load(Fixtures.file("xlmr"));
    long[] expected = Fixtures.padded(Fixtures.manifest().get("fast_ids_for_a_U+D800_b"), 77, 1);
    assertArrayEquals(expected, fast.encode("a\uD800b", 77).ids());
    assertArrayEquals(expected, fast.encode("a\uFFFDb", 77).ids());
  }

  @Test
  void tokenizeGivesTokenStrings() {
    HfTokenizer fast = HfTokenizer.load(Fixtures.file("xlmr"));
    assertEquals(List.of("<s>", "\u2581a"), fast.tokenize("<s> a").subList(0, 2));
    HfTokenizer clip = HfTokenizer.load(Fixtures.file("clip"));
    assertEquals(clip.tokenIds("a red fox").length, clip.tokenize("a red fox").size());
  }

  @Test
  void brokenOrUnsupportedFilesAreRejectedClearly(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, "{\"model\": ");
    CheckpointException e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(file));
    assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    String ok = Files.readString(Fixtures.file("clip/tokenizer.json"));
    Files.writeString(file, ok.replace("\"type\": \"Lowercase\"", "\"type\": \"BertNormalizer\""));
    e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(file));
    assertTrue(
        e.getMessage().contains("BertNormalizer") && e.getMessage().contains("not supported"),
        e.getMessage());
    Files.writeString(file, ok.replace("\"type\": \"BPE\"", "\"type\": \"WordPiece\""));
    e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(file));
    assertTrue(e.getMessage().contains("WordPiece"), e.getMessage());
    Files.writeString(file, "{\"version\": \"1.0\"}");
    e = assertThrows(CheckpointException.class, () -> HfTokenizer.load(file));
    assertTrue(e.getMessage().contains("missing field \"model\""), e.getMessage());
  }

  @Test
  void loadPicksTheTokenizerOfAFolder(@TempDir Path dir) throws Exception {
    assertInstanceOf(XlmRobertaTokenizer.class, PromptTokenizer.load(Fixtures.file("xlmr")));
    assertInstanceOf(ClipTokenizer.class, PromptTokenizer.load(Fixtures.file("clip")));
    Files.copy(Fixtures.file("xlmr/tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.copy(Fixtures.file("xlmr/tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
    assertInstanceOf(HfTokenizer.class, PromptTokenizer.load(dir));
    Path empty = Files.createDirectories(dir.resolve("empty"));
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> PromptTokenizer.load(empty));
    assertTrue(e.getMessage().contains("no tokenizer found"), e.getMessage());
  }
}
