package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link VaeTiling} in the pipeline: the tiny AltDiffusion model (VAE sample_size 32: 32-pixel
 * tiles) at 64x48 against diffusers' pipeline with {@code enable_vae_tiling()}
 * (tools/reference/make_vae_tiling_fixtures.py), txt2img (tiled decode) and img2img (tiled encode
 * too), at most 1/255 apart in any channel.
 */
class VaeTilingPipelineTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/vae_tiling");
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline = PipelineLoader.load(DiffusionPipelineParityTest.DIR.resolve("tiny-altdiffusion"));
  }

  static GenerationRequest txt2img() {
    return GenerationRequest.builder("a red circle on the left")
        .negativePrompt("blurry")
        .steps(4)
        .guidance(7.5)
        .seed(5L)
        .size(64, 48)
        .build();
  }

  @Test
  void tiledTxt2imgMatchesDiffusers() {
    List<GeneratedImage> tiled =
        pipeline.withVaeTiling(VaeTiling.ON).generate(txt2img(), ProgressListener.NONE);
    double worst = compare("txt2img", tiled, "pipeline_txt2img");
    assertTrue(worst <= 1.0 / 255 + 1e-6, "max difference " + worst * 255 + "/255");
    // untiled, the same request gives another picture: the tiles were really used
    List<GeneratedImage> plain =
        pipeline.withVaeTiling(VaeTiling.OFF).generate(txt2img(), ProgressListener.NONE);
    assertTrue(compare("txt2img untiled", plain, "pipeline_txt2img") > 3.0 / 255);
    assertFalse(pipeline.components().vae().tiling(), "the VAE's tiling is restored afterwards");
  }

  @Test
  void tiledImg2imgMatchesDiffusers() {
    try (var ref = SafeTensors.open(DIR.resolve("pipeline_img2img.safetensors"))) {
      GenerationRequest r =
          GenerationRequest.builder("a purple heart")
              .negativePrompt("noise")
              .steps(5)
              .guidance(7.5)
              .seed(21L)
              .size(64, 48)
              .initImage(new InitImage(DiffusionPipelineParityTest.rgb(ref.loadRaw("init")), 0.6))
              .build();
      List<GeneratedImage> tiled =
          pipeline.withVaeTiling(VaeTiling.ON).generate(r, ProgressListener.NONE);
      double worst = compare("img2img", tiled, "pipeline_img2img");
      assertTrue(worst <= 1.0 / 255 + 1e-6, "max difference " + worst * 255 + "/255");
    }
  }

  @Test
  void autoTilesOnlyAboveTheThresholdOrWhenMemoryIsShort() {
    AutoencoderKL vae = pipeline.components().vae(); // tiles of 32 pixels
    assertFalse(VaeTiling.AUTO.tiles(vae, 64, 48, true), "small pictures decode untiled");
    assertTrue(VaeTiling.AUTO.tiles(vae, 64, 48, false), "unless the untiled decode won't fit");
    assertTrue(VaeTiling.AUTO.tiles(vae, 1024, 1032, true), "above 1024x1024 pixels");
    assertFalse(VaeTiling.AUTO.tiles(vae, 32, 32, false), "one tile is never tiled");
    assertTrue(VaeTiling.ON.tiles(vae, 64, 32, true));
    assertFalse(VaeTiling.ON.tiles(vae, 32, 32, true));
    assertFalse(VaeTiling.OFF.tiles(vae, 4096, 4096, false));
    assertEquals(VaeTiling.AUTO, pipeline.vaeTiling(), "the default");
  }

  @Test
  void parsesTheThreeModesAndNamesThemInErrors() {
    assertEquals(VaeTiling.ON, VaeTiling.parse("on"));
    assertEquals(VaeTiling.OFF, VaeTiling.parse("OFF"));
    assertEquals(VaeTiling.AUTO, VaeTiling.parse(" auto "));
    var e = assertThrows(IllegalArgumentException.class, () -> VaeTiling.parse("yes"));
    assertTrue(e.getMessage().contains("on, off, auto") && e.getMessage().contains("yes"));
  }

  @Test
  void theMemoryEstimateOfATiledDecodeStopsGrowingWithThePicture() {
    long untiled1024 = MemoryEstimate.bytesNeeded(320, 128, 8, 1024, 1024, 2, 1, 0);
    long tiled1024 = MemoryEstimate.bytesNeeded(320, 128, 8, 1024, 1024, 2, 1, 768);
    long untiled2048 = MemoryEstimate.bytesNeeded(320, 128, 8, 2048, 2048, 2, 1, 0);
    long tiled2048 = MemoryEstimate.bytesNeeded(320, 128, 8, 2048, 2048, 2, 1, 768);
    long unet2048 = MemoryEstimate.bytesNeeded(320, 0, 8, 2048, 2048, 2, 1, 0);
    assertTrue(tiled1024 < untiled1024);
    assertTrue(untiled2048 - unet2048 > 3.5 * (tiled2048 - unet2048), "decode part bounded");
  }

  private static double compare(String what, List<GeneratedImage> images, String fixture) {
    try (var ref = SafeTensors.open(DIR.resolve(fixture + ".safetensors"))) {
      float[] expected = Tensors.toFloats(ref.load("images")); // [1, 48, 64, 3] in [0, 1]
      double worst = ParityImages.maxDifference(images, expected, 64, 48);
      System.out.printf(
          "vae tiling pipeline %-16s max |ours - diffusers tiled| = %.5f (x255 = %.2f)%n",
          what, worst, worst * 255);
      return worst;
    }
  }
}
