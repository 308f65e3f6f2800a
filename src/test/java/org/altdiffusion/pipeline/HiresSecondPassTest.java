package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hires fix's own settings (A1111's hr_resize_x/y, hr_prompt, hr_negative_prompt,
 * hr_sampler_name, hr_scheduler) on the tiny AltDiffusion model: the second call of the same loop
 * with its own size, conditioning and sampler, and A1111's infotext fields for them.
 */
class HiresSecondPassTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  /** A 16x24 first pass (width x height), Euler a, 4 steps. */
  private static GenerationRequest.Builder base() {
    return GenerationRequest.builder("a red house")
        .negativePrompt("blurry")
        .sampler("Euler a")
        .steps(4)
        .seed(7L)
        .size(16, 24)
        .guidance(5);
  }

  private static HiresFix scaled() {
    return new HiresFix(2, "Latent", 0, 0.7);
  }

  private static int[] pixels(BufferedImage im) {
    return im.getRGB(0, 0, im.getWidth(), im.getHeight(), null, 0, im.getWidth());
  }

  private static GeneratedImage one(HiresFix h) {
    return pipeline.generate(base().hires(h).build(), null).get(0);
  }

  private static Map<String, String> hiresFields(GeneratedImage g) {
    Map<String, String> all = g.infotext().settings();
    Map<String, String> out = new java.util.LinkedHashMap<>();
    all.forEach(
        (k, v) -> {
          if (k.startsWith("Hires") || k.equals("Denoising strength")) out.put(k, v);
        });
    return out;
  }

  @Test
  void theTargetFollowsA1111sCalculateTargetResolution() {
    GenerationRequest.Size first = new GenerationRequest.Size(16, 24);
    HiresFix h = scaled();
    // values worked out by hand from A1111's calculate_target_resolution and its latent cut
    assertEquals(new GenerationRequest.Size(32, 48), h.withResize(32, 0).upscaleTo(first));
    assertEquals(new GenerationRequest.Size(32, 48), h.withResize(0, 48).upscaleTo(first));
    // only the width: height = 40 * 24 // 16 = 60, latents 60 // 8 = 7 rows -> 56 pixels
    assertEquals(new GenerationRequest.Size(40, 60), h.withResize(40, 0).upscaleTo(first));
    assertEquals(new GenerationRequest.Size(40, 56), h.withResize(40, 0).target(first));
    // both, a wider target (16/24 < 32/32): upscale to width 32, height 32 * 24 // 16 = 48, cut
    // (48 - 32) // 8 = 2 latent rows
    assertEquals(new GenerationRequest.Size(32, 48), h.withResize(32, 32).upscaleTo(first));
    assertEquals(new GenerationRequest.Size(32, 32), h.withResize(32, 32).target(first));
    // both, a taller target (16/24 >= 16/48): height 48, width 48 * 16 // 24 = 32, cut 2 columns
    assertEquals(new GenerationRequest.Size(32, 48), h.withResize(16, 48).upscaleTo(first));
    assertEquals(new GenerationRequest.Size(16, 48), h.withResize(16, 48).target(first));
    // uneven excess: 64x40 first, resize 40x40 -> width 40 * 64 // 40 = 64, cut (64 - 40) // 8 = 3
    GenerationRequest.Size wide = new GenerationRequest.Size(64, 40);
    assertEquals(new GenerationRequest.Size(64, 40), h.withResize(40, 40).upscaleTo(wide));
    assertEquals(new GenerationRequest.Size(40, 40), h.withResize(40, 40).target(wide));
    assertEquals(
        new GenerationRequest.Size(40, 56),
        new HiresFix(2.5, "Latent", 0, 0.7).withResize(40, 0).target(first));
  }

  @Test
  void aResizeOfOneSideIsTheScaleThatGivesItAndWritesHiresResize() {
    GeneratedImage byScale = one(scaled());
    GeneratedImage byWidth = one(scaled().withResize(32, 0));
    GeneratedImage byHeight = one(scaled().withResize(0, 48));
    assertEquals(32, byWidth.image().getWidth());
    assertEquals(48, byWidth.image().getHeight());
    assertArrayEquals(pixels(byScale.image()), pixels(byWidth.image()));
    assertArrayEquals(pixels(byScale.image()), pixels(byHeight.image()));
    assertEquals(
        List.of("Denoising strength", "Hires resize", "Hires upscaler"),
        List.copyOf(hiresFields(byWidth).keySet()));
    assertEquals("32x0", hiresFields(byWidth).get("Hires resize"));
    assertEquals("0x48", hiresFields(byHeight).get("Hires resize"));
    assertEquals("2", hiresFields(byScale).get("Hires upscale"));
  }

  @Test
  void aResizeOfBothSidesCutsTheUpscaledLatentsAsA1111() {
    GeneratedImage square = one(scaled().withResize(32, 32));
    assertEquals(32, square.image().getWidth());
    assertEquals(32, square.image().getHeight());
    assertEquals("32x32", hiresFields(square).get("Hires resize"));
    // a pixel upscaler to a size that is not a multiple of 8 (40x60): encoded to 5x7 latents
    GeneratedImage lanczos = one(new HiresFix(2, "Lanczos", 0, 0.7).withResize(40, 0));
    assertEquals(40, lanczos.image().getWidth());
    assertEquals(56, lanczos.image().getHeight());
  }

  @Test
  void theSecondPassHasItsOwnPrompts() {
    GeneratedImage same = one(scaled());
    GeneratedImage echoed = one(scaled().withPrompts("a red house", "blurry"));
    assertArrayEquals(pixels(same.image()), pixels(echoed.image()), "the same prompts");
    assertEquals(hiresFields(same), hiresFields(echoed), "A1111 writes only prompts that differ");
    GeneratedImage own = one(scaled().withPrompts("a blue boat", ""));
    assertFalse(java.util.Arrays.equals(pixels(same.image()), pixels(own.image())));
    assertEquals("a blue boat", hiresFields(own).get("Hires prompt"));
    assertFalse(hiresFields(own).containsKey("Hires negative prompt"));
    assertTrue(own.infotext().format().startsWith("a red house\nNegative prompt: blurry\n"));
    GeneratedImage negative = one(scaled().withPrompts("", "dark, grainy"));
    assertFalse(java.util.Arrays.equals(pixels(same.image()), pixels(negative.image())));
    assertEquals("dark, grainy", hiresFields(negative).get("Hires negative prompt"));
    assertTrue(
        negative.infotext().format().contains("Hires negative prompt: \"dark, grainy\""),
        "quoted as A1111 quotes values with commas");
    assertEquals(
        List.of(
            "Denoising strength",
            "Hires prompt",
            "Hires negative prompt",
            "Hires upscale",
            "Hires upscaler"),
        List.copyOf(hiresFields(one(scaled().withPrompts("a boat", "dark"))).keySet()));
  }

  @Test
  void theSecondPassHasItsOwnSamplerAndSchedule() {
    GeneratedImage same = one(scaled());
    GeneratedImage named = one(scaled().withSampler("Euler a", null));
    assertArrayEquals(pixels(same.image()), pixels(named.image()));
    assertFalse(hiresFields(named).containsKey("Hires sampler"), "the same as the first");
    GeneratedImage euler = one(scaled().withSampler("Euler", null));
    assertFalse(java.util.Arrays.equals(pixels(same.image()), pixels(euler.image())));
    assertEquals("Euler", hiresFields(euler).get("Hires sampler"));
    // only the schedule: the first pass's sampler (Euler) with Karras sigmas
    GeneratedImage plain =
        pipeline.generate(base().sampler("Euler").hires(scaled()).build(), null).get(0);
    GeneratedImage karras =
        pipeline
            .generate(
                base().sampler("Euler").hires(scaled().withSampler(null, "Karras")).build(), null)
            .get(0);
    assertFalse(java.util.Arrays.equals(pixels(plain.image()), pixels(karras.image())));
    assertEquals("Karras", hiresFields(karras).get("Hires schedule type"));
    assertFalse(hiresFields(karras).containsKey("Hires sampler"));
    int[] stepsRun = {0};
    assertThrows(
        IllegalArgumentException.class,
        () ->
            pipeline.generate(
                base().hires(scaled().withSampler(null, "Karras")).build(),
                (step, total, preview) -> ++stepsRun[0] > 0));
    assertEquals(0, stepsRun[0], "Euler a has no Karras schedule: refused before the first pass");
    assertEquals(
        List.of(
            "Denoising strength",
            "Hires sampler",
            "Hires schedule type",
            "Hires upscale",
            "Hires upscaler"),
        List.copyOf(hiresFields(one(scaled().withSampler("DPM++ 2M", "Karras"))).keySet()));
  }

  @Test
  void badSettingsAreRefusedBeforeAnyWork() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().hires(scaled().withResize(30, 0)).build().validate());
    assertTrue(
        e.getMessage().contains("hires resize width must be 0 or a multiple of 8"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().hires(scaled().withResize(4096, 0)).build().validate());
    assertTrue(
        e.getMessage().contains("upscales the 16x24 first pass to 4096x6144"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().hires(scaled().withPrompts("<lora:x:1> a boat", null)).build().validate());
    assertTrue(e.getMessage().contains("<lora:...> tags must be the prompt's"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> pipeline.generate(base().hires(scaled().withSampler("No such", null)).build(), null));
  }
}
