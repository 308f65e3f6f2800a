package org.altdiffusion.prompt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.lora.LoraException;
import org.altdiffusion.lora.LoraPrompt;
import org.altdiffusion.models.text.PromptOptions;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.testing.FuzzOutcome;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of prompts in A1111's syntax, as the CLI and the server read
 * them: LoRA tags, the refused prompt-editing constructs, the attention parser, 75-token chunks
 * with the built-in model's tokenizer, and — for prompts of at most two chunks — the weighted
 * embeddings, which must be finite. A prompt is read or refused with an {@code
 * IllegalArgumentException} of ours (a {@link LoraException} for a bad tag); corpus in {@code
 * PromptSyntaxFuzzTestInputs/}.
 */
class PromptSyntaxFuzzTest {
  private static TextConditioning text;

  @BeforeAll
  static void load() {
    Torch.init();
    text = PipelineLoader.text(Path.of("models/altdiffusion-tiny"));
  }

  @FuzzTest(maxDuration = "10m")
  void prompt(byte[] input) {
    String prompt = new String(input, StandardCharsets.UTF_8);
    FuzzOutcome.acceptedOrRefused(
        List.of(IllegalArgumentException.class),
        () -> {
          String plain = LoraPrompt.strip(prompt);
          PromptSchedules.check(plain, true);
          PromptAttention.parse(plain);
          List<PromptChunker.Chunk> chunks = text.chunks(plain, PromptOptions.A1111, true);
          if (chunks.size() > 2) return;
          try (PointerScope scope = new PointerScope()) {
            Tensor context = text.encodePrompt(plain, PromptOptions.A1111, true); // [1, T, D]
            if (!context.isfinite().all().item_bool())
              throw new AssertionError("non-finite embeddings for a prompt that was accepted");
          }
        });
  }
}
