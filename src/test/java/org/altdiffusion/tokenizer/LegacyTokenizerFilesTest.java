package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.altdiffusion.io.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokenizer folders of older transformers (tokenizer_config.json without added_tokens_decoder), as
 * transformers 4.44.2 reads them (tools/reference/make_saved_folder_fixtures.py,
 * tokenizer-legacy/): added tokens come from added_tokens.json, or from tokenizer.json's
 * "added_tokens", for the slow class too; {@code "tokenizer_file": null} makes the fast class
 * convert the slow files.
 */
class LegacyTokenizerFilesTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/saved/tokenizer-legacy");

  @TempDir Path tmp;

  /** The recorded folder, completed with the fixture XLM-R files as the reference script did. */
  private Path folder(JsonNode record) throws IOException {
    String name = record.get("folder").asText();
    Path dir = Files.createDirectories(tmp.resolve(name));
    try (var files = Files.list(DIR.resolve(name))) {
      for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
    }
    Files.copy(
        Fixtures.file("xlmr/sentencepiece.bpe.model"), dir.resolve("sentencepiece.bpe.model"));
    JsonNode extra = record.get("tokenizer_json_extra_token");
    if (!extra.isNull()) {
      ObjectNode tokenizerJson = (ObjectNode) Fixtures.read(Fixtures.file("xlmr/tokenizer.json"));
      ((ArrayNode) tokenizerJson.get("added_tokens")).add(extra);
      Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson.toString());
    }
    return dir;
  }

  @Test
  void slowAndFastClassesReadLegacyAddedTokensAsTransformers() throws IOException {
    JsonNode records = Fixtures.read(DIR.resolve("cases.json"));
    for (JsonNode record : records) {
      Path dir = folder(record);
      PromptTokenizer slow = Tokenizers.load(dir, Tokenizers.XLMR);
      PromptTokenizer fast = Tokenizers.load(dir, Tokenizers.XLMR_FAST);
      for (JsonNode c : record.get("cases")) {
        String text = c.get("text").asText();
        String what = record.get("folder").asText() + " " + Fixtures.show(text);
        assertArrayEquals(ids(c.get("slow")), unpadded(slow.encode(text)), what + " slow");
        assertArrayEquals(ids(c.get("fast")), unpadded(fast.encode(text)), what + " fast");
      }
    }
  }

  @Test
  void tokenizerFileNullConvertsAndAPathIsRefused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("tokenizer-file"));
    for (String f :
        new String[] {
          "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json"
        }) Files.copy(Fixtures.file("xlmr").resolve(f), dir.resolve(f));
    Files.writeString(dir.resolve("tokenizer.json"), "{\"not\": \"read\"}");
    String config = Files.readString(dir.resolve("tokenizer_config.json"));
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        config.replaceFirst("\\{", "{\"tokenizer_file\": null,"));
    String text = "Vie\u0302\u0303t Nam and Vi\u1ec7t Nam";
    assertEquals(
        HfTokenizer.load(Fixtures.file("xlmr")).encode(text),
        Tokenizers.load(dir, Tokenizers.XLMR_FAST).encode(text));
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        config.replaceFirst("\\{", "{\"tokenizer_file\": \"/home/someone/tokenizer.json\","));
    String m =
        assertThrows(CheckpointException.class, () -> Tokenizers.load(dir, Tokenizers.XLMR_FAST))
            .getMessage();
    assertTrue(m.contains("field 'tokenizer_file' names \"/home/someone/tokenizer.json\""), m);
    // the slow class does not use the key
    assertInstanceOf(XlmRobertaTokenizer.class, Tokenizers.load(dir, Tokenizers.XLMR));
  }

  private static long[] unpadded(Encoding e) {
    return Arrays.copyOf(e.ids(), e.length());
  }

  private static long[] ids(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
    return out;
  }
}
