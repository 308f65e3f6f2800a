package org.altdiffusion.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.fuzz.CheckpointFuzzer;
import org.altdiffusion.testing.FuzzOutcome;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link Checkpoints#open} and every tensor read: each input
 * loads fully, with safetensors values bit-identical to the bytes the header points at, or is
 * refused with a {@link CheckpointException} that names the file. Every build replays the corpus
 * under {@code src/test/resources/org/altdiffusion/io/CheckpointsFuzzTestInputs/}; {@code mvn test
 * -Pfuzz -Dtest='CheckpointsFuzzTest#safetensors'} fuzzes one target (see README, "Fuzzing").
 */
class CheckpointsFuzzTest {
  private static Path work;

  @BeforeAll
  static void setUp() throws IOException {
    Torch.init();
    work = Files.createTempDirectory("checkpoints-fuzz");
    work.toFile().deleteOnExit();
  }

  @FuzzTest(maxDuration = "10m")
  void safetensors(byte[] input) throws IOException {
    loadsOrIsRefused(input, "input.safetensors");
  }

  @FuzzTest(maxDuration = "10m")
  void pytorch(byte[] input) throws IOException {
    loadsOrIsRefused(input, "input.bin");
  }

  private static void loadsOrIsRefused(byte[] input, String name) throws IOException {
    Path file = work.resolve(name);
    Files.write(file, input);
    FuzzOutcome.acceptedOrRefused(
        List.of(),
        () -> {
          CheckpointFuzzer.Verdict v = CheckpointFuzzer.check(file, input);
          if (v.kind() == CheckpointFuzzer.Kind.FAILURE) throw new AssertionError(v.message());
        });
  }
}
