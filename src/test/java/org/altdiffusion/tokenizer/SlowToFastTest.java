package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fast tokenizer class loaded from a folder without tokenizer.json is converted from the slow
 * files, as transformers does. The fixtures' tokenizer.json files are what transformers 4.44.2
 * saved after exactly that conversion (make_tokenizer_fixtures.py:
 * from_pretrained(from_slow=True)), so the tree built here must equal them, and encode the corpus
 * as the fast tokenizer did.
 */
class SlowToFastTest {
  @TempDir Path tmp;

  /** The fixture folder {@code name} without its tokenizer.json. */
  private Path slowOnly(String name) throws IOException {
    Path dir = tmp.resolve(name);
    Files.createDirectories(dir);
    try (var files = Files.list(Fixtures.file(name))) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("tokenizer.json"))
          Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    return dir;
  }

  @Test
  void xlmRobertaConversionBuildsTheTokenizerJsonTransformersSaved() throws IOException {
    ObjectNode built = SlowToFast.xlmRobertaJson(slowOnly("xlmr"));
    assertSameParts(Fixtures.read(Fixtures.file("xlmr/tokenizer.json")), built);
  }

  @Test
  void clipConversionBuildsTheTokenizerJsonTransformersSaved() throws IOException {
    ObjectNode built = SlowToFast.clipJson(slowOnly("clip"));
    assertSameParts(Fixtures.read(Fixtures.file("clip/tokenizer.json")), built);
  }

  @Test
  void convertedXlmRobertaEncodesTheCorpusAsTheFastTokenizer() throws IOException {
    PromptTokenizer t = Tokenizers.load(slowOnly("xlmr"), Tokenizers.XLMR_FAST);
    assertInstanceOf(HfTokenizer.class, t);
    ParityCheck.check("XLMRobertaTokenizerFast converted", t, "xlmr_cases.jsonl", "fast");
  }

  @Test
  void convertedClipEncodesTheCorpusAsTheFastTokenizer() throws IOException {
    PromptTokenizer t = Tokenizers.load(slowOnly("clip"), Tokenizers.CLIP_FAST);
    assertInstanceOf(HfTokenizer.class, t);
    ParityCheck.check("CLIPTokenizerFast converted", t, "clip_cases.jsonl", "fast");
  }

  private static void assertSameParts(JsonNode expected, JsonNode built) {
    for (String part :
        List.of("added_tokens", "normalizer", "pre_tokenizer", "post_processor", "model")) {
      assertEquals(expected.get(part), built.get(part), part);
    }
  }
}
