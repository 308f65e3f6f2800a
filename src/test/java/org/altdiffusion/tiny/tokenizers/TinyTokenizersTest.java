package org.altdiffusion.tiny.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.tokenizers.CaptionCorpus.Caption;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.altdiffusion.tokenizer.SentencePieceModelFile;
import org.altdiffusion.tokenizer.SentencePieceModelFile.PieceType;
import org.altdiffusion.tokenizer.XlmRobertaTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizers built from the captions (seed 0, default sizes), read back by our tokenizers. */
class TinyTokenizersTest {
  @TempDir static Path dir;
  static TinyTokenizers.Summary summary;
  static XlmRobertaTokenizer multilingual;
  static ClipTokenizer english;

  @BeforeAll
  static void build() {
    summary = TinyTokenizers.build(dir, 0, TinyTokenizers.DEFAULT_VOCAB_SIZE);
    multilingual = XlmRobertaTokenizer.load(dir.resolve(TinyTokenizers.MULTILINGUAL));
    english = ClipTokenizer.load(dir.resolve(TinyTokenizers.ENGLISH));
  }

  @Test
  void idsEqualTheReferenceTokenizersOnRecordedCaptions() throws IOException {
    // Python sentencepiece + transformers' XLMRobertaTokenizer / CLIPTokenizer reading the files
    // this
    // code writes (tools/reference/check_tiny_tokenizer.py); every 10th caption of the dataset.
    JsonNode fixture =
        new ObjectMapper()
            .readTree(getClass().getResourceAsStream("/fixtures/tiny/tokenizer_reference.json"));
    assertEquals(fixture.get("multilingual_vocab_size").asInt(), multilingual.vocabSize());
    int max = fixture.get("max_length").asInt();
    int english = 0;
    for (JsonNode c : fixture.get("cases")) {
      String text = c.get("text").asText();
      assertArrayEquals(
          padded(c.get("multilingual"), max, multilingual.padId()),
          multilingual.encode(text, max).ids(),
          text);
      if (c.has("english")) {
        assertArrayEquals(
            padded(c.get("english"), max, TinyTokenizersTest.english.padId()),
            TinyTokenizersTest.english.encode(text, max).ids(),
            text);
        english++;
      }
    }
    assertEquals(1296, fixture.get("cases").size());
    assertEquals(72, english);
  }

  private static long[] padded(JsonNode ids, int length, int pad) {
    long[] out = new long[length];
    Arrays.fill(out, pad);
    for (int i = 0; i < ids.size(); i++) out[i] = ids.get(i).asLong();
    return out;
  }

  @Test
  void everyCaptionOfEveryLanguageEncodesWithoutUnknownsAndRoundTrips() {
    List<Caption> captions = CaptionCorpus.everyCaption();
    assertEquals(12_960, captions.size());
    for (Caption c : captions) {
      List<String> pieces = multilingual.tokenize(c.text());
      for (String p : pieces)
        assertTrue(multilingual.tokenToId(p) != multilingual.unkId(), () -> "<unk> in " + c);
      // The pieces spell the caption: "▁" for each space, one in front.
      assertEquals(
          c.text(),
          String.join("", pieces).replace(UnigramTrainer.SPACE, " ").substring(1),
          c.toString());
      if (c.language() == Language.EN) {
        List<String> tokens = english.tokenize(c.text());
        assertEquals(
            c.text().toLowerCase(Locale.ROOT),
            String.join("", tokens).replace(ClipBpeTrainer.END_OF_WORD, " ").strip());
        for (String t : tokens)
          assertTrue(english.tokenToId(t) != english.eosId(), () -> "unknown token in " + c);
      }
    }
    assertTrue(summary.multilingualLongest() <= TinyTokenizers.MODEL_MAX_LENGTH);
    assertEquals(293, summary.characters());
  }

  @Test
  void everyEnglishWordOfTheCorpusIsOneToken() {
    for (String caption : CaptionCorpus.english(0)) {
      assertEquals(caption.split(" ").length, english.tokenize(caption).size(), caption);
    }
  }

  @Test
  void modelFileIsAnXlmRobertaStyleUnigramModel() {
    SentencePieceModelFile model =
        SentencePieceModelFile.read(
            dir.resolve(TinyTokenizers.MULTILINGUAL).resolve(XlmRobertaTokenizer.MODEL_FILE));
    assertEquals(TinyTokenizers.DEFAULT_VOCAB_SIZE, model.pieces().size());
    assertEquals(SentencePieceModelFile.ModelType.UNIGRAM, model.trainerSpec().modelType());
    assertEquals(
        new SentencePieceModelFile.Piece("<unk>", 0f, PieceType.UNKNOWN), model.pieces().get(0));
    assertEquals(
        new SentencePieceModelFile.Piece("<s>", 0f, PieceType.CONTROL), model.pieces().get(1));
    assertEquals(
        new SentencePieceModelFile.Piece("</s>", 0f, PieceType.CONTROL), model.pieces().get(2));
    assertEquals(0, model.trainerSpec().unkId());
    assertEquals(1, model.trainerSpec().bosId());
    assertEquals(2, model.trainerSpec().eosId());
    assertEquals(-1, model.trainerSpec().padId());
    assertEquals("identity", model.normalizerSpec().name());
    assertEquals(0, model.normalizerSpec().precompiledCharsmap().length);
    for (int i = 3; i < model.pieces().size(); i++) {
      assertEquals(PieceType.NORMAL, model.pieces().get(i).type());
      assertTrue(model.pieces().get(i).score() < 0);
      if (i > 3)
        assertTrue(
            model.pieces().get(i).score() <= model.pieces().get(i - 1).score(), "sorted by score");
    }
    // fairseq ids as XLM-R: <s> 0, <pad> 1, </s> 2, <unk> 3, <mask> last
    assertEquals(1026, multilingual.vocabSize());
    assertEquals(0, multilingual.clsId());
    assertEquals(1, multilingual.padId());
    assertEquals(2, multilingual.sepId());
    assertEquals(3, multilingual.unkId());
    assertEquals(1025, multilingual.tokenToId("<mask>"));
    assertEquals(32, multilingual.modelMaxLength());
    assertTrue(
        PromptTokenizer.load(dir.resolve(TinyTokenizers.MULTILINGUAL))
            instanceof XlmRobertaTokenizer);
  }

  @Test
  void clipVocabularyHasTheBytesThenMergesThenSpecialTokensLast() throws IOException {
    assertEquals(summary.englishVocab() - 2, english.bosId());
    assertEquals(summary.englishVocab() - 1, english.eosId());
    assertEquals(english.eosId(), english.padId());
    assertEquals(32, english.modelMaxLength());
    assertEquals(0, english.tokenToId("!"));
    assertEquals(256, english.tokenToId("!</w>"));
    List<String> merges =
        Files.readAllLines(dir.resolve(TinyTokenizers.ENGLISH).resolve("merges.txt"));
    assertEquals("#version: 0.2", merges.get(0));
    assertEquals(summary.merges(), merges.size() - 1);
    assertEquals(512 + summary.merges() + 2, summary.englishVocab());
    assertTrue(PromptTokenizer.load(dir.resolve(TinyTokenizers.ENGLISH)) instanceof ClipTokenizer);
  }

  @Test
  void sameCorpusGivesTheSameBytes(@TempDir Path again) throws IOException {
    TinyTokenizers.build(again, 0, TinyTokenizers.DEFAULT_VOCAB_SIZE);
    for (String folder : List.of(TinyTokenizers.MULTILINGUAL, TinyTokenizers.ENGLISH)) {
      try (var files = Files.list(dir.resolve(folder))) {
        for (Path f : files.toList()) {
          assertArrayEquals(
              Files.readAllBytes(f),
              Files.readAllBytes(again.resolve(folder).resolve(f.getFileName())),
              f.toString());
        }
      }
    }
    assertFalse(Files.exists(again.resolve("ids.jsonl")));
  }
}
