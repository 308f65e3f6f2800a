package org.altdiffusion.io.keys.formats;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.altdiffusion.io.keys.KeyMapping;

/**
 * diffusers / PEFT LoRA files, and the names every LoRA reader works on: {@code unet.<module
 * path>.lora_A.weight} (down, [r, in] or [r, in, k, k]), {@code .lora_B.weight} (up, [out, r] or
 * [out, r, 1, 1]) and optionally {@code .alpha} (kohya files converted by diffusers); {@code
 * text_encoder.<path>...} for the text encoder. What {@code save_lora_weights} writes.
 *
 * <p>A PEFT adapter saved on its own ({@code adapter_model.safetensors}: {@code
 * base_model.model.<path>.lora_A.weight}, with {@code lora_alpha} and {@code r} in {@code
 * adapter_config.json}) is read as a UNet adapter: its keys become {@code unet.<path>...}.
 *
 * <p>Other keys are dropped from the view (listed by {@code RenamedSource.unmapped()}) for the
 * reader to report. DoRA ({@code lora_magnitude_vector}) is refused by {@link #refusal}.
 */
public final class PeftLora {
  private PeftLora() {}

  private static final String PART = "(lora_A\\.weight|lora_B\\.weight|alpha)";

  /** The table: diffusers names kept, a lone PEFT adapter's names put under {@code unet.}. */
  public static final KeyMapping TABLE =
      KeyMapping.builder("diffusers/PEFT LoRA names")
          .regex("((?:unet|text_encoder)\\..+)\\." + PART, "$1.$2")
          .regex("base_model\\.model\\.(.+)\\.(lora_A\\.weight|lora_B\\.weight)", "unet.$1.$2")
          .unmapped(KeyMapping.Unmapped.DROP)
          .build();

  /** Whether {@code keys} look like a diffusers/PEFT LoRA (some key has lora_A / lora_B). */
  public static boolean matches(Set<String> keys) {
    return keys.stream()
        .anyMatch(
            k ->
                k.contains(".lora_A.")
                    || k.contains(".lora_B.")
                    || k.contains(".lora.down.")
                    || k.contains("_lora.down."));
  }

  private static final Map<String, String> UNSUPPORTED =
      Map.of(
          "lora_magnitude_vector", "DoRA (weight-decomposed LoRA)",
          ".lora_embedding_A", "a LoRA of embedding layers",
          ".lora.down.", "the diffusers attention-processor LoRA layout (before diffusers 0.21)",
          "_lora.down.", "the diffusers attention-processor LoRA layout (before diffusers 0.21)");

  /** Why such a file cannot be read here, naming the kind and one key; empty when it can. */
  public static Optional<String> refusal(Set<String> keys) {
    for (var e : UNSUPPORTED.entrySet())
      for (String k : keys)
        if (k.contains(e.getKey()))
          return Optional.of(e.getValue() + " files are not supported; key '" + k + "'");
    return Optional.empty();
  }
}
