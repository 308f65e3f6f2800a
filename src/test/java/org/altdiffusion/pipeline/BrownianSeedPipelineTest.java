package org.altdiffusion.pipeline;

import static org.altdiffusion.pipeline.GenerateEachTest.maxChannelDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DPM++ SDE in the one loop of the tiny pipeline: its Brownian trees take each picture's seed (so a
 * picture of a batch reproduces alone, as in A1111), img2img starts at an even index, previews come
 * per step and a stop cancels.
 */
class BrownianSeedPipelineTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  private static GenerationRequest.Builder base() {
    return GenerationRequest.builder("一只红色的猫")
        .steps(4)
        .size(32, 32)
        .sampler("DPM++ SDE Karras")
        .seed(20L);
  }

  /**
   * The tiny folder end to end against diffusers' DPMSolverSDEScheduler with noise_sampler_seed =
   * the picture seeds (tools/reference/make_sde_fixtures.py): within 1/255.
   */
  @Test
  void sameImagesAsDiffusers() throws Exception {
    Path dir = Path.of("src/test/resources/fixtures/schedulers/sde");
    JsonNode cases =
        new ObjectMapper().readTree(dir.resolve("cases.json").toFile()).get("pipelines");
    assertEquals(2, cases.size());
    try (var ref = SafeTensors.open(dir.resolve("pipeline.safetensors"))) {
      for (JsonNode c : cases) {
        String name = c.get("name").asText();
        GenerationRequest.Builder b =
            GenerationRequest.builder(c.get("prompt").asText())
                .negativePrompt(c.get("negative_prompt").asText())
                .sampler("DPM++ SDE Karras")
                .steps(c.get("steps").asInt())
                .guidance(c.get("guidance").asDouble())
                .seed(c.get("seed").asLong())
                .batchSize(c.get("batch").asInt())
                .size(c.get("width").asInt(), c.get("height").asInt());
        if (c.get("mode").asText().equals("img2img"))
          b.initImage(
              new InitImage(
                  DiffusionPipelineParityTest.rgb(ref.loadRaw(name + "/init")),
                  c.get("strength").asDouble()));
        GenerationRequest r = b.build();
        List<GeneratedImage> images = pipeline.generate(r, ProgressListener.NONE);
        float[] expected = Tensors.toFloats(ref.load(name + "/images")); // [B, H, W, 3]
        double worst =
            ParityImages.maxDifference(images, expected, r.size().width(), r.size().height());
        System.out.printf(
            "DPM++ SDE Karras pipeline %s: max |ours - diffusers| x255 = %.2f%n",
            name, worst * 255);
        assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": " + worst * 255 + "/255");
      }
    }
  }

  @Test
  void eachPictureOfABatchReproducesFromItsOwnSeed() {
    List<GeneratedImage> batch = pipeline.generate(base().batchSize(2).build(), null);
    List<GeneratedImage> second = pipeline.generate(base().seed(21L).build(), null);
    assertEquals(21L, batch.get(1).seed());
    assertTrue(maxChannelDiff(batch.get(1).image(), second.get(0).image()) <= 1);
    assertTrue(maxChannelDiff(batch.get(0).image(), batch.get(1).image()) > 8);
    assertEquals("DPM++ SDE Karras", second.get(0).infotext().settings().get("Sampler"));
  }

  @Test
  void img2imgPreviewsAndCancellation() {
    GeneratedImage first = pipeline.generate(base().build(), null).get(0);
    List<String> steps = new ArrayList<>();
    GenerationRequest img2img =
        base().initImage(new InitImage(first.image(), 0.5)).steps(6).build();
    pipeline.generate(
        img2img,
        (step, total, preview) -> {
          steps.add(step + "/" + total);
          return preview.get() != null;
        });
    assertEquals(List.of("1/3", "2/3", "3/3"), steps); // strength 0.5 of 6 steps
    var e =
        assertThrows(
            GenerationCancelledException.class,
            () -> pipeline.generate(img2img, (step, total, preview) -> step < 2));
    assertTrue(e.getMessage().contains("2"), e.getMessage());
  }
}
