package org.altdiffusion.models.controlnet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.keys.KeyMappingException;
import org.altdiffusion.testing.FuzzOutcome;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of ControlNet files: lllyasviel's original single files ({@code
 * control_*.safetensors} / {@code .pth}: block layout and widths read from the weights, keys
 * converted by one table) and a diffusers folder's {@code config.json}. A file loads or is refused
 * with an exception of ours that says why. Corpus in {@code ControlNetFilesFuzzTestInputs/}.
 */
class ControlNetFilesFuzzTest {
  private static final Path FOLDER = Path.of("src/test/resources/fixtures/controlnet/cn-sd1");
  private static Path work;

  @BeforeAll
  static void setUp() throws IOException {
    Torch.init();
    work = Files.createTempDirectory("controlnet-fuzz");
    work.toFile().deleteOnExit();
  }

  @FuzzTest(maxDuration = "10m")
  void singleFile(byte[] input) throws IOException {
    Path file = work.resolve("control_fuzz.safetensors");
    Files.write(file, input);
    loadedOrRefused(file);
  }

  @FuzzTest(maxDuration = "10m")
  void pth(byte[] input) throws IOException {
    Path file = work.resolve("control_fuzz.pth");
    Files.write(file, input);
    loadedOrRefused(file);
  }

  /** The fuzzed bytes as the config.json of a folder holding the real tiny weights. */
  @FuzzTest(maxDuration = "10m")
  void folderConfig(byte[] input) throws IOException {
    Path folder = work.resolve("folder");
    Files.createDirectories(folder);
    Files.copy(
        FOLDER.resolve("diffusion_pytorch_model.safetensors"),
        folder.resolve("diffusion_pytorch_model.safetensors"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.write(folder.resolve("config.json"), input);
    loadedOrRefused(folder);
  }

  private static void loadedOrRefused(Path location) {
    FuzzOutcome.acceptedOrRefused(
        List.of(
            CheckpointException.class, KeyMappingException.class, IllegalArgumentException.class),
        () -> {
          try (PointerScope scope = new PointerScope()) {
            ControlNetModel.load(location);
          }
        });
  }
}
