package org.altdiffusion.tokenizer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DiffusersLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer is the class model_index.json names, reading the file that class reads (issue #23:
 * a folder with both sentencepiece.bpe.model and tokenizer.json whose model_index.json names
 * XLMRobertaTokenizerFast was tokenized by the slow path).
 */
class TokenizersTest {
  @TempDir Path tmp;

  /** A copy of fixture folder {@code name} holding only {@code files}. */
  private Path folder(String name, String... files) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name + "-" + files.length + "-" + count++));
    for (String f : files) Files.copy(Fixtures.file(name).resolve(f), dir.resolve(f));
    return dir;
  }

  private int count;

  private static final String[] XLMR_BOTH = {
    "sentencepiece.bpe.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"
  };

  private static String error(Runnable r) {
    return assertThrows(CheckpointException.class, r::run).getMessage();
  }

  @Test
  void theNamedClassDecidesWhenBothFilesAreThere() throws IOException {
    Path both = folder("xlmr", XLMR_BOTH);
    assertInstanceOf(XlmRobertaTokenizer.class, Tokenizers.load(both, Tokenizers.XLMR));
    assertInstanceOf(HfTokenizer.class, Tokenizers.load(both, Tokenizers.XLMR_FAST));
    // AutoTokenizer: tokenizer_config.json's tokenizer_class (XLMRobertaTokenizer), fast variant
    assertInstanceOf(HfTokenizer.class, Tokenizers.load(both, Tokenizers.AUTO));
    // the fixture corpus sentence 991 ("Vie\u0302\u0303t Nam ...") is one where they disagree
    String text = "Vie\u0302\u0303t Nam and Vi\u1ec7t Nam";
    assertNotEquals(
        Tokenizers.load(both, Tokenizers.XLMR).encode(text),
        Tokenizers.load(both, Tokenizers.XLMR_FAST).encode(text));

    Path clip =
        folder(
            "clip",
            "vocab.json",
            "merges.txt",
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json");
    assertInstanceOf(ClipTokenizer.class, Tokenizers.load(clip, Tokenizers.CLIP));
    assertInstanceOf(HfTokenizer.class, Tokenizers.load(clip, Tokenizers.CLIP_FAST));
    assertInstanceOf(HfTokenizer.class, Tokenizers.load(clip, Tokenizers.GENERIC_FAST));
  }

  @Test
  void aFolderWithoutTheFileTheClassNeedsIsAnErrorNamingBoth() throws IOException {
    Path fastOnly =
        folder("xlmr", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");
    assertEquals(
        fastOnly
            + ": the tokenizer (XLMRobertaTokenizer) needs sentencepiece.bpe.model, which is"
            + " missing; it holds tokenizer.json (the file of a fast tokenizer)",
        error(() -> Tokenizers.load(fastOnly, Tokenizers.XLMR)));
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertEquals(
        empty
            + ": the tokenizer (XLMRobertaTokenizerFast) needs tokenizer.json (or"
            + " sentencepiece.bpe.model to convert), which is missing; it holds no tokenizer file",
        error(() -> Tokenizers.load(empty, Tokenizers.XLMR_FAST)));
    Path clipSlow = folder("clip", "vocab.json", "merges.txt");
    String m = error(() -> Tokenizers.load(clipSlow, Tokenizers.GENERIC_FAST));
    assertTrue(m.contains("needs tokenizer.json") && m.contains("vocab.json, merges.txt"), m);
    m = error(() -> Tokenizers.load(fastOnly, Tokenizers.CLIP));
    assertTrue(m.contains("needs vocab.json + merges.txt"), m);
    m = error(() -> Tokenizers.load(fastOnly, "T5Tokenizer"));
    assertTrue(
        m.contains(
            "tokenizer class 'T5Tokenizer' is not supported; supported: "
                + String.join(", ", Tokenizers.CLASSES)),
        m);
  }

  @Test
  void aFastClassWithoutTokenizerJsonIsConvertedFromTheSlowFiles() throws IOException {
    Path slowOnly =
        folder(
            "xlmr", "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json");
    PromptTokenizer t = Tokenizers.load(slowOnly, Tokenizers.XLMR_FAST);
    assertInstanceOf(HfTokenizer.class, t);
    String text = "Vie\u0302\u0303t Nam and Vi\u1ec7t Nam";
    assertEquals(HfTokenizer.load(Fixtures.file("xlmr")).encode(text), t.encode(text));
  }

  @Test
  void fromSlowInTokenizerConfigConvertsInsteadOfReadingTokenizerJson() throws IOException {
    Path dir = folder("xlmr", XLMR_BOTH);
    Files.writeString(dir.resolve("tokenizer.json"), "{\"not\": \"a tokenizer\"}");
    // read as is, the broken tokenizer.json is an error
    assertThrows(CheckpointException.class, () -> Tokenizers.load(dir, Tokenizers.XLMR_FAST));
    // transformers writes "from_slow": true after from_pretrained(from_slow=True); the fast
    // tokenizer then rebuilds itself from sentencepiece.bpe.model
    String config = Files.readString(dir.resolve("tokenizer_config.json"));
    Files.writeString(
        dir.resolve("tokenizer_config.json"), config.replaceFirst("\\{", "{\"from_slow\": true,"));
    String text = "Vie\u0302\u0303t Nam and Vi\u1ec7t Nam";
    assertEquals(
        HfTokenizer.load(Fixtures.file("xlmr")).encode(text),
        Tokenizers.load(dir, Tokenizers.XLMR_FAST).encode(text));
  }

  @Test
  void autoTokenizerNeedsTokenizerClass() throws IOException {
    Path dir = folder("xlmr", "sentencepiece.bpe.model");
    String m = error(() -> Tokenizers.load(dir, Tokenizers.AUTO));
    assertTrue(m.contains("AutoTokenizer") && m.contains("tokenizer_class"), m);
  }

  /** A pipeline folder whose model_index.json names {@code library.className} for "tokenizer". */
  private Path pipeline(String library, String className) throws IOException {
    Path root = Files.createDirectories(tmp.resolve("pipe-" + count++));
    Files.writeString(
        root.resolve("model_index.json"),
        "{\"_class_name\": \"AltDiffusionPipeline\", \"tokenizer\": [\""
            + library
            + "\", \""
            + className
            + "\"]}");
    Path tok = Files.createDirectories(root.resolve("tokenizer"));
    for (String f : XLMR_BOTH) Files.copy(Fixtures.file("xlmr").resolve(f), tok.resolve(f));
    return root;
  }

  @Test
  void aPipelinesTokenizerFolderIsLoadedAsItsModelIndexSays() throws IOException {
    Path fast = pipeline("transformers", "XLMRobertaTokenizerFast");
    assertInstanceOf(
        HfTokenizer.class, PromptTokenizer.load(DiffusersLayout.open(fast), "tokenizer"));
    assertInstanceOf(HfTokenizer.class, PromptTokenizer.load(fast.resolve("tokenizer")));
    Path slow = pipeline("transformers", "XLMRobertaTokenizer");
    assertInstanceOf(
        XlmRobertaTokenizer.class, PromptTokenizer.load(DiffusersLayout.open(slow), "tokenizer"));
    assertInstanceOf(XlmRobertaTokenizer.class, PromptTokenizer.load(slow.resolve("tokenizer")));
    // a tokenizer folder on its own: the files decide (sentencepiece first, as before)
    assertInstanceOf(XlmRobertaTokenizer.class, PromptTokenizer.load(folder("xlmr", XLMR_BOTH)));
    Path odd = pipeline("diffusers", "XLMRobertaTokenizerFast");
    String m = error(() -> PromptTokenizer.load(DiffusersLayout.open(odd), "tokenizer"));
    assertTrue(
        m.contains("model_index.json") && m.contains("tokenizers come from transformers"), m);
  }

  @Test
  void infiniteModelMaxLengthIsUnboundedAsTheHugeMarker() throws IOException {
    for (String value : List.of("Infinity", "1000000000000000019884624838656")) {
      Path dir = folder("xlmr", "sentencepiece.bpe.model");
      Files.writeString(
          dir.resolve("tokenizer_config.json"), "{\"model_max_length\": " + value + "}");
      assertEquals(
          XlmRobertaTokenizer.DEFAULT_MAX_LENGTH,
          Tokenizers.load(dir, Tokenizers.XLMR).modelMaxLength(),
          value);
    }
    Path dir = folder("xlmr", "sentencepiece.bpe.model");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": NaN}");
    String m = error(() -> Tokenizers.load(dir, Tokenizers.XLMR));
    assertTrue(m.contains("tokenizer_config.json: field 'model_max_length'"), m);
  }
}
