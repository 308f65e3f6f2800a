package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.altdiffusion.engine.ParallelPair;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.ThreadSettings;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end against diffusers (tools/reference/make_pipeline_fixtures.py): the tiny AltDiffusion
 * folder run with the same prompts, negative prompts, samplers, seeds and batch sizes must give the
 * same pictures, at most 1/255 apart in any channel.
 */
class DiffusionPipelineParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/pipeline");
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline = PipelineLoader.load(DIR.resolve("tiny-altdiffusion"));
  }

  @Test
  void smallModelsRunGuidedStepsSideBySideByDefault() {
    GenerationRequest r =
        GenerationRequest.builder("a red circle").steps(3).seed(1L).size(32, 32).build();
    ThreadSettings settings = Torch.current();
    assumeTrue(
        settings.torchThreads() >= 2
            && settings.parallelGuidance() == ThreadSettings.ParallelGuidance.AUTO,
        "needs 2+ torch threads and the default setting, has " + settings);
    long before = ParallelPair.runs();
    pipeline.generate(r, ProgressListener.NONE);
    long sideBySide = ParallelPair.runs() - before;
    assertTrue(sideBySide >= 3, "guided steps of the tiny model ran side by side: " + sideBySide);
    before = ParallelPair.runs();
    pipeline.withParallelGuidance(false).generate(r, ProgressListener.NONE);
    pipeline.generate(
        r.toBuilder().guidance(1.0).build(), ProgressListener.NONE); // unguided: one pass per step
    assertEquals(before, ParallelPair.runs(), "batched and unguided generations use no pair");
  }

  static Stream<Arguments> cases() throws Exception {
    JsonNode cases = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : cases) {
      // guided steps as two side-by-side passes (the default on 2+ cores) and as diffusers' one
      // batch
      for (boolean parallel : new boolean[] {true, false})
        out.add(Arguments.of(c.get("name").asText(), c, parallel));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}, parallel guidance {2}")
  @MethodSource("cases")
  void sameImagesAsDiffusers(String name, JsonNode c, boolean parallelGuidance) {
    GenerationRequest.Builder builder = ParityImages.request(c);
    try (var ref = SafeTensors.open(DIR.resolve(name + ".safetensors"))) {
      if (c.get("mode").asText().equals("img2img")) {
        builder.initImage(new InitImage(rgb(ref.loadRaw("init")), c.get("strength").asDouble()));
      }
      GenerationRequest r = builder.build();
      List<GeneratedImage> images =
          pipeline.withParallelGuidance(parallelGuidance).generate(r, ProgressListener.NONE);
      float[] expected = Tensors.toFloats(ref.load("images")); // [B, H, W, 3] in [0, 1]
      int w = r.size().width();
      int h = r.size().height();
      double worst = ParityImages.maxDifference(images, expected, w, h);
      System.out.printf(
          "pipeline parity %-26s parallel %-5s max |ours - diffusers| = %.5f (x255 = %.2f)%n",
          name, parallelGuidance, worst, worst * 255);
      assertEquals(r.batchSize(), images.size());
      assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": max difference " + worst * 255 + "/255");
    }
  }

  /** [H, W, 3] uint8 to a picture. */
  static BufferedImage rgb(Tensor hwc) {
    long[] s = Tensors.shape(hwc);
    long[] v = Tensors.toLongs(hwc);
    BufferedImage img = new BufferedImage((int) s[1], (int) s[0], BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < s[0]; y++) {
      for (int x = 0; x < s[1]; x++) {
        int i = (int) ((y * s[1] + x) * 3);
        img.setRGB(x, y, (int) ((v[i] & 255) << 16 | (v[i + 1] & 255) << 8 | (v[i + 2] & 255)));
      }
    }
    return img;
  }
}
