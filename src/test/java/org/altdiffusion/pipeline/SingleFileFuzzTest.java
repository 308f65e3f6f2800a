package org.altdiffusion.pipeline;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.keys.KeyMappingException;
import org.altdiffusion.testing.FuzzOutcome;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of LDM single-file checkpoints (A1111's {@code .safetensors} and
 * {@code .ckpt}): configs guessed from the weights and the file's metadata, keys converted by the
 * tables, every component loaded strictly. A file loads or is refused with an exception of ours
 * that says why; never another exception, a hang or a crash. Corpus in {@code
 * SingleFileFuzzTestInputs/} (seeded with the tiny SD 2.x-v single file of the parity fixtures).
 */
class SingleFileFuzzTest {
  private static final Path TOKENIZER =
      Path.of("src/test/resources/fixtures/single_file/sd1/tokenizer");
  private static Path work;

  @BeforeAll
  static void setUp() throws IOException {
    Torch.init();
    work = Files.createTempDirectory("single-file-fuzz");
    work.toFile().deleteOnExit();
  }

  @FuzzTest(maxDuration = "10m")
  void safetensors(byte[] input) throws IOException {
    loadedOrRefused(input, "model.safetensors");
  }

  @FuzzTest(maxDuration = "10m")
  void ckpt(byte[] input) throws IOException {
    loadedOrRefused(input, "model.ckpt");
  }

  private static void loadedOrRefused(byte[] input, String name) throws IOException {
    Path file = work.resolve(name);
    Files.write(file, input);
    SingleFileOptions options = new SingleFileOptions(null, null, false, TOKENIZER, List.of());
    FuzzOutcome.acceptedOrRefused(
        List.of(
            CheckpointException.class, KeyMappingException.class, IllegalArgumentException.class),
        Duration.ofSeconds(60),
        () -> {
          try (PointerScope scope = new PointerScope()) {
            SingleFileLoader.components(file, options);
          }
        });
  }
}
