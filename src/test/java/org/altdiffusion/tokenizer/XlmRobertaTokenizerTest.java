package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XlmRobertaTokenizerTest {
  private static final XlmRobertaTokenizer TOKENIZER =
      XlmRobertaTokenizer.load(Fixtures.file("xlmr"));

  @Test
  void idsEqualXlmRobertaTokenizerForEveryCorpusSentence() {
    ParityCheck.check("XlmRobertaTokenizer vs slow", TOKENIZER, "xlmr_cases.jsonl", "slow");
  }

  @Test
  void fairseqIdsAndSpecialTokens() {
    assertEquals(0, TOKENIZER.clsId());
    assertEquals(1, TOKENIZER.padId());
    assertEquals(2, TOKENIZER.sepId());
    assertEquals(3, TOKENIZER.unkId());
    assertEquals(1742, TOKENIZER.vocabSize());
    assertEquals(1741, TOKENIZER.tokenToId("<mask>"));
    assertEquals(77, TOKENIZER.modelMaxLength());
    SentencePieceProcessor sp = TOKENIZER.sentencePiece();
    assertEquals(
        sp.pieceToId("\u2581") + 1,
        TOKENIZER.tokenToId("\u2581")); // sentencepiece ids shift by one
    assertEquals(3, TOKENIZER.tokenToId("no such piece")); // sentencepiece's unknown id 0 -> <unk>
  }

  @Test
  void emptyAndWhitespaceOnlyPromptsGiveStartEndAndPadding() {
    for (String text : List.of("", " ", "   \t\n  ", "\u3000", "\u200b")) {
      Encoding e = TOKENIZER.encode(text);
      long[] expected = new long[77];
      Arrays.fill(expected, 1);
      expected[0] = 0;
      expected[1] = 2;
      assertArrayEquals(expected, e.ids(), Fixtures.show(text));
      assertEquals(2, e.length());
      assertEquals(2, e.untruncatedLength());
      assertFalse(e.truncated());
      assertEquals(1L, e.attentionMask()[1]);
      assertEquals(0L, e.attentionMask()[2]);
    }
  }

  @Test
  void overLongPromptsAreTruncatedAndSaySo() {
    String text = "a red fox in the snow, ".repeat(40);
    Encoding e = TOKENIZER.encode(text);
    assertEquals(77, e.ids().length);
    assertEquals(77, e.length());
    assertEquals(2L, e.ids()[76]);
    assertTrue(e.truncated());
    int[] all = TOKENIZER.tokenIds(text);
    assertEquals(all.length + 2, e.untruncatedLength());
    for (int i = 0; i < 75; i++) assertEquals(all[i], e.ids()[i + 1]);
    Encoding exact = TOKENIZER.encode(text, all.length + 2);
    assertFalse(exact.truncated());
    assertTrue(TOKENIZER.encode(text, all.length + 1).truncated());
  }

  @Test
  void maxLengthMustHoldTheSpecialTokens() {
    assertEquals(2, TOKENIZER.encode("hello", 2).ids().length);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TOKENIZER.encode("hello", 1));
    assertTrue(e.getMessage().contains("special tokens"), e.getMessage());
  }

  @Test
  void unpairedSurrogatesAreRejectedAsByTheReference() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TOKENIZER.encode("a\uD800b"));
    assertTrue(
        e.getMessage().contains("unpaired UTF-16 surrogate U+D800 at index 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TOKENIZER.encode("<s>\uDFFF"));
  }

  @Test
  void batchEncodingStacksRows() {
    List<Encoding> batch = TOKENIZER.encodeAll(List.of("a red fox", "", "一只红色的狐狸"));
    long[] ids = Encoding.stackIds(batch);
    long[] masks = Encoding.stackAttentionMasks(batch);
    assertEquals(3 * 77, ids.length);
    assertEquals(3 * 77, masks.length);
    assertArrayEquals(TOKENIZER.encode("一只红色的狐狸").ids(), Arrays.copyOfRange(ids, 2 * 77, 3 * 77));
    assertEquals(TOKENIZER.encode("").length(), Arrays.stream(masks, 77, 154).sum());
  }

  /**
   * Older tokenizer folders (like the published AltDiffusion ones) have no added_tokens_decoder and
   * give special tokens as strings or AddedToken objects; without any config the defaults apply.
   * Every corpus sentence must still encode as the reference did.
   */
  @Test
  void olderConfigFormatsAndNoConfigGiveTheSameIds(@TempDir Path dir) throws Exception {
    Path legacy = Files.createDirectories(dir.resolve("legacy"));
    Files.copy(
        Fixtures.file("xlmr/sentencepiece.bpe.model"),
        legacy.resolve(XlmRobertaTokenizer.MODEL_FILE));
    Files.writeString(
        legacy.resolve("tokenizer_config.json"),
        """
        {"bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
         "unk_token": "<unk>", "pad_token": "<pad>",
         "mask_token": {"__type": "AddedToken", "content": "<mask>", "lstrip": true, "normalized": true,
                        "rstrip": false, "single_word": false},
         "model_max_length": 77, "tokenizer_class": "XLMRobertaTokenizer"}\
        """);
    Files.writeString(
        legacy.resolve("special_tokens_map.json"),
        """
        {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
         "pad_token": "<pad>", "cls_token": "<s>",
         "mask_token": {"content": "<mask>", "single_word": false, "lstrip": true, "rstrip": false, "normalized": true}}\
        """);
    Path bare = Files.createDirectories(dir.resolve("bare"));
    Files.copy(
        Fixtures.file("xlmr/sentencepiece.bpe.model"),
        bare.resolve(XlmRobertaTokenizer.MODEL_FILE));

    XlmRobertaTokenizer fromLegacy = XlmRobertaTokenizer.load(legacy);
    XlmRobertaTokenizer fromBare =
        XlmRobertaTokenizer.load(bare.resolve(XlmRobertaTokenizer.MODEL_FILE));
    assertEquals(77, fromLegacy.modelMaxLength());
    assertEquals(XlmRobertaTokenizer.DEFAULT_MAX_LENGTH, fromBare.modelMaxLength());
    for (JsonNode c : Fixtures.lines("xlmr_cases.jsonl")) {
      String text = c.get("text").asText();
      long[] expected = Fixtures.padded(c.get("slow"), 77, 1);
      assertArrayEquals(expected, fromLegacy.encode(text).ids(), Fixtures.show(text));
      assertArrayEquals(expected, fromBare.encode(text, 77).ids(), Fixtures.show(text));
    }
  }

  @Test
  void maskTokenSwallowsTheSpacesBeforeIt() {
    List<String> tokens = TOKENIZER.tokenize("text \t <mask>");
    assertEquals("<mask>", tokens.get(tokens.size() - 1));
    assertEquals(TOKENIZER.tokenize("text<mask>"), tokens);
  }
}
