package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A1111's hires fix as a second pass of the same loop on the tiny AltDiffusion model. The latent
 * upscale is libtorch's interpolate with A1111's arguments; no torch fixture is compared for it
 * beyond the ATen kernel that Python's F.interpolate calls for the same arguments.
 */
class HiresFixTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  private static GenerationRequest.Builder base() {
    return GenerationRequest.builder("a red house")
        .sampler("Euler")
        .steps(4)
        .seed(7L)
        .size(32, 32)
        .guidance(5);
  }

  private static int[] pixels(BufferedImage im) {
    return im.getRGB(0, 0, im.getWidth(), im.getHeight(), null, 0, im.getWidth());
  }

  @Test
  void theSecondPassDoublesTheSizeAndWritesA1111sFields() {
    List<int[]> totals = new ArrayList<>();
    ProgressListener record =
        (step, total, preview) -> {
          if (step == 1) totals.add(new int[] {total});
          return true;
        };
    GenerationRequest r = base().batchSize(2).hires(new HiresFix(2, "Latent", 10, 0.5)).build();
    List<GeneratedImage> out = pipeline.generate(r, record);
    assertEquals(2, out.size());
    for (GeneratedImage g : out) {
      assertEquals(64, g.image().getWidth());
      assertEquals(64, g.image().getHeight());
    }
    // first pass: 4 steps; second: 10 steps cut by strength 0.5 -> 5, through the same loop
    assertEquals(2, totals.size());
    assertEquals(4, totals.get(0)[0]);
    assertEquals(5, totals.get(1)[0]);
    Map<String, String> s = out.get(0).infotext().settings();
    assertEquals("32x32", s.get("Size"), "A1111 writes the first pass's size");
    assertEquals("0.5", s.get("Denoising strength"));
    assertEquals("2", s.get("Hires upscale"));
    assertEquals("10", s.get("Hires steps"));
    assertEquals("Latent", s.get("Hires upscaler"));
    assertEquals(
        List.of("Denoising strength", "Hires upscale", "Hires steps", "Hires upscaler"),
        s.keySet().stream()
            .filter(k -> k.startsWith("Hires") || k.startsWith("Denoising"))
            .toList());
  }

  @Test
  void withoutHiresStepsTheInfotextLeavesThemOutAndTheFirstPassStepsRun() {
    List<Integer> totals = new ArrayList<>();
    ProgressListener record =
        (step, total, preview) -> {
          if (step == 1) totals.add(total);
          return true;
        };
    GenerationRequest r =
        base().steps(10).hires(new HiresFix(1.5, "latent (nearest)", 0, 0.7)).build();
    List<GeneratedImage> out = pipeline.generate(r, record);
    assertEquals(48, out.get(0).image().getWidth());
    assertEquals(List.of(10, 7), totals); // diffusers' get_timesteps: int(10 * 0.7)
    Map<String, String> s = out.get(0).infotext().settings();
    assertFalse(s.containsKey("Hires steps"));
    assertEquals("1.5", s.get("Hires upscale"));
    assertEquals("Latent (nearest)", s.get("Hires upscaler"));
  }

  @Test
  void theUpscalersGiveDifferentPicturesAndTheSamePictureTwice() {
    GenerationRequest latent = base().hires(HiresFix.defaults()).build();
    int[] a = pixels(pipeline.generate(latent, null).get(0).image());
    int[] again = pixels(pipeline.generate(latent, null).get(0).image());
    assertArrayEquals(a, again, "same seed, same picture");
    GenerationRequest lanczos = base().hires(new HiresFix(2, "Lanczos", 0, 0.7)).build();
    BufferedImage l = pipeline.generate(lanczos, null).get(0).image();
    assertEquals(64, l.getWidth());
    assertFalse(java.util.Arrays.equals(a, pixels(l)), "Lanczos and Latent differ");
    GenerationRequest stronger = base().hires(new HiresFix(2, "Latent", 0, 1.0)).build();
    assertFalse(
        java.util.Arrays.equals(a, pixels(pipeline.generate(stronger, null).get(0).image())),
        "the strength changes the second pass");
  }

  @Test
  void theLatentModesAreTorchsInterpolateKernels() {
    Tensor x = torch.randn(new long[] {2, 4, 5, 3}, Tensors.floatOptions());
    Tensor bilinear = HiresUpscale.latent("Latent", x, 10, 6);
    // F.interpolate(x, size, mode="bilinear") calls upsample_bilinear2d(x, size, False, None, None)
    assertArrayEquals(
        Tensors.toFloats(torch.upsample_bilinear2d(x, new long[] {10, 6}, false)),
        Tensors.toFloats(bilinear));
    assertArrayEquals(
        Tensors.toFloats(torch.upsample_nearest2d(x, new long[] {10, 6})),
        Tensors.toFloats(HiresUpscale.latent("Latent (nearest)", x, 10, 6)));
    assertArrayEquals(
        Tensors.toFloats(torch.upsample_bicubic2d(x, new long[] {10, 6}, false)),
        Tensors.toFloats(HiresUpscale.latent("Latent (bicubic)", x, 10, 6)));
    for (String mode : HiresUpscale.NAMES) {
      if (!HiresUpscale.isLatent(mode)) continue;
      Tensor y = HiresUpscale.latent(mode, x, 10, 6);
      assertArrayEquals(new long[] {2, 4, 10, 6}, Tensors.shape(y), mode);
    }
    // the modes are different kernels: nearest-exact is not bilinear
    assertNotEquals(
        java.util.Arrays.toString(Tensors.toFloats(bilinear)),
        java.util.Arrays.toString(
            Tensors.toFloats(HiresUpscale.latent("Latent (nearest-exact)", x, 10, 6))));
  }

  @Test
  void badHiresSettingsAreRefusedBeforeAnyWork() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                pipeline.generate(
                    base().hires(new HiresFix(2, "ESRGAN_4x", 0, 0.7)).build(), null));
    assertTrue(e.getMessage().contains("accepted: Latent, "), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> pipeline.generate(base().hires(new HiresFix(2, "Latent", 0, 0)).build(), null));
    assertTrue(e.getMessage().contains("hires denoising strength must be in (0, 1]"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                pipeline.generate(base().hires(new HiresFix(1.1, "Latent", 0, 0.7)).build(), null));
    assertTrue(
        e.getMessage()
            .contains("hires width (width x scale, truncated) must be a multiple of 8, got 35"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> base().size(4096, 64).hires(HiresFix.defaults()).build().validate());
    assertTrue(e.getMessage().contains("hires width (width x scale) must be at most 4096"));
    // with the default size (0 here), the pipeline checks the resolved target
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                pipeline.generate(
                    base().size(0, 0).hires(new HiresFix(1.1, "Latent", 0, 0.7)).build(), null));
    assertTrue(e.getMessage().contains("must be a multiple of 8"), e.getMessage());
  }
}
