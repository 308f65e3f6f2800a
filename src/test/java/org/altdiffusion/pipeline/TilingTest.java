package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.nn.Conv2d;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A1111's tiling (every Conv2d of UNet and VAE padded circularly) against diffusers with
 * padding_mode "circular" on the same convolutions (tools/reference/make_tiling_fixtures.py).
 */
class TilingTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/tiling");
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  @Test
  void sameTilesAsDiffusersWithCircularConvolutions() throws Exception {
    JsonNode cases = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
    for (JsonNode c : cases) {
      GenerationRequest.Builder b =
          GenerationRequest.builder(c.get("prompt").asText())
              .negativePrompt(c.get("negative_prompt").asText())
              .sampler(c.get("sampler").isNull() ? null : c.get("sampler").asText())
              .steps(c.get("steps").asInt())
              .guidance(c.get("guidance").asDouble())
              .seed(c.get("seed").asLong())
              .batchSize(c.get("batch").asInt())
              .size(c.get("width").asInt(), c.get("height").asInt());
      List<GeneratedImage> tiled = pipeline.generate(b.tiling(true).build(), null);
      List<GeneratedImage> plain = pipeline.generate(b.tiling(false).build(), null);
      float[] expected;
      try (var ref = SafeTensors.open(DIR.resolve(c.get("name").asText() + ".safetensors"))) {
        expected = Tensors.toFloats(ref.load("images")); // [B, H, W, 3] in [0, 1]
      }
      int w = c.get("width").asInt();
      int h = c.get("height").asInt();
      double worst = ParityImages.maxDifference(tiled, expected, w, h);
      double untiled = ParityImages.maxDifference(plain, expected, w, h);
      System.out.printf(
          "tiling parity %-14s max |ours - diffusers| = %.2f/255 (without tiling %.1f/255)%n",
          c.get("name").asText(), worst * 255, untiled * 255);
      assertTrue(worst <= 1.0 / 255 + 1e-6, c.get("name") + ": " + worst * 255 + "/255");
      assertTrue(untiled > 2.0 / 255, "tiling changes the picture: " + untiled * 255);
      assertEquals("True", tiled.get(0).infotext().settings().get("Tiling"));
      assertFalse(plain.get(0).infotext().settings().containsKey("Tiling"));
    }
  }

  @Test
  void theConvolutionsArePutBackAfterTheGeneration() {
    GenerationRequest r =
        GenerationRequest.builder("x").steps(2).seed(1L).size(32, 32).tiling(true).build();
    pipeline.generate(r, null);
    for (var m : pipeline.components().unet().namedModules().values())
      if (m instanceof Conv2d c) assertFalse(c.circular(), "UNet conv left circular");
    for (var m : pipeline.components().vae().namedModules().values())
      if (m instanceof Conv2d c) assertFalse(c.circular(), "VAE conv left circular");
  }

  @Test
  void aCircularConvolutionWrapsAroundTheEdges() {
    Scopes.run(
        () -> {
          Conv2d conv = new Conv2d(1, 1, 3, 1, 1, false);
          conv.initialize(Tensors.generator(3));
          Tensor x = Tensors.randn(Tensors.generator(4), 1, 1, 5, 6);
          // a picture shifted by whole columns gives the same output shifted: only with wrapping
          Tensor shifted = x.roll(new long[] {2}, new long[] {3});
          conv.setCircular(true);
          Tensor a = conv.forward(shifted);
          Tensor b = conv.forward(x).roll(new long[] {2}, new long[] {3});
          assertTrue(a.sub(b).abs().max().item_double() < 1e-6);
          conv.setCircular(false);
          Tensor c = conv.forward(shifted);
          assertTrue(c.sub(b).abs().max().item_double() > 1e-4);
        });
  }
}
