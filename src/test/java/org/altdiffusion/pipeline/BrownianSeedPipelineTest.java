package org.altdiffusion.pipeline;

import static org.altdiffusion.pipeline.GenerateEachTest.maxChannelDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Torch;
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
