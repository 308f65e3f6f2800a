package org.altdiffusion.lora;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.keys.KeyMappingException;
import org.altdiffusion.nn.Module;
import org.altdiffusion.pipeline.ModelComponents;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.testing.FuzzOutcome;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of LoRA files (kohya/A1111 and diffusers/PEFT names, alphas,
 * ranks, LoCon convolutions, .safetensors and .pt) read against a tiny AltDiffusion, then merged
 * into it and taken out again: a file is applied or refused with a {@link LoraException} (or the
 * checkpoint reader's {@link CheckpointException}); never a wrong-shape merge or a crash. Corpus in
 * {@code LoraFilesFuzzTestInputs/}.
 */
class LoraFilesFuzzTest {
  private static final Path MODEL =
      Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");
  private static List<LoraTarget> targets;
  private static Path work;

  @BeforeAll
  static void load() throws IOException {
    Torch.init();
    ModelComponents model = PipelineLoader.load(MODEL).components();
    targets =
        List.of(
            new LoraTarget(LoraTarget.UNET, model.unet()),
            new LoraTarget(LoraTarget.TEXT_ENCODER, (Module) model.textEncoder()));
    work = Files.createTempDirectory("lora-fuzz");
    work.toFile().deleteOnExit();
  }

  @FuzzTest(maxDuration = "10m")
  void safetensors(byte[] input) throws IOException {
    appliedOrRefused(input, "input.safetensors");
  }

  @FuzzTest(maxDuration = "10m")
  void pytorch(byte[] input) throws IOException {
    appliedOrRefused(input, "input.pt");
  }

  private static void appliedOrRefused(byte[] input, String name) throws IOException {
    Path file = work.resolve(name);
    Files.write(file, input);
    FuzzOutcome.acceptedOrRefused(
        List.of(LoraException.class, CheckpointException.class, KeyMappingException.class),
        () -> {
          try (PointerScope scope = new PointerScope();
              AppliedLoras applied =
                  AppliedLoras.apply(List.of(new LoraSpec(file, 0.5)), targets, s -> {})) {
            applied.changedWeights();
          }
        });
  }
}
