package org.altdiffusion.tokenizer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.testing.FuzzOutcome;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of the tokenizer files we read: a sentencepiece model
 * (protobuf), a {@code tokenizer.json}, and CLIP's {@code vocab.json} + {@code merges.txt}. A file
 * loads — and the tokenizer then encodes prompts in several scripts without failing — or is refused
 * with a {@link CheckpointException}. Corpus in {@code TokenizerFilesFuzzTestInputs/}.
 */
class TokenizerFilesFuzzTest {
  private static final List<String> PROMPTS =
      List.of("a large red circle on the left", "左边有一个红色的大圆形", "ein großer roter Kreis", "");
  private static final Path CLIP = Path.of("src/test/resources/fixtures/tokenizer/clip");
  private static Path work;

  @BeforeAll
  static void setUp() throws IOException {
    work = Files.createTempDirectory("tokenizer-fuzz");
    work.toFile().deleteOnExit();
  }

  @FuzzTest(maxDuration = "30m")
  void sentencepiece(byte[] model) {
    FuzzOutcome.acceptedOrRefused(
        List.of(CheckpointException.class),
        () -> {
          Path dir = folder("sp", XlmRobertaTokenizer.MODEL_FILE, model);
          encodes(XlmRobertaTokenizer.load(dir));
        });
  }

  /** Read as a CLIPTokenizerFast folder reads it (its pad token defaults to the end token). */
  @FuzzTest(maxDuration = "30m")
  void tokenizerJson(byte[] json) {
    FuzzOutcome.acceptedOrRefused(
        List.of(CheckpointException.class),
        () -> encodes(HfTokenizer.load(folder("hf", "tokenizer.json", json), "<|endoftext|>")));
  }

  /** The first part is vocab.json, the rest merges.txt (the other one is the fixture's). */
  @FuzzTest(maxDuration = "30m")
  void clipVocabAndMerges(FuzzedDataProvider data) {
    boolean vocab = data.consumeBoolean();
    byte[] bytes = data.consumeRemainingAsBytes();
    FuzzOutcome.acceptedOrRefused(
        List.of(CheckpointException.class),
        () -> {
          Path dir = work.resolve("clip");
          Files.createDirectories(dir);
          for (String f : List.of("vocab.json", "merges.txt"))
            Files.copy(
                CLIP.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          Files.write(dir.resolve(vocab ? "vocab.json" : "merges.txt"), bytes);
          encodes(ClipTokenizer.load(dir));
        });
  }

  private static Path folder(String name, String file, byte[] bytes) throws IOException {
    Path dir = work.resolve(name);
    Files.createDirectories(dir);
    Files.write(dir.resolve(file), bytes);
    return dir;
  }

  private static void encodes(PromptTokenizer t) {
    for (String p : PROMPTS) t.encode(p);
  }
}
