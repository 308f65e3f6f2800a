package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The k-diffusion samplers (DPM++ 2S a, DPM++ 3M SDE) and A1111's schedule types through the one
 * loop on the tiny model: infotexts as A1111 1.10 writes them, img2img, the step preview and
 * cancellation.
 */
class KDiffusionSamplersPipelineTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  private static GenerationRequest.Builder request() {
    return GenerationRequest.builder("a red circle").steps(4).seed(5L).size(32, 32);
  }

  @Test
  void infotextsNameTheSamplerAndItsScheduleAsA1111() {
    GeneratedImage threeM =
        pipeline.generate(request().sampler("DPM++ 3M SDE").build(), null).get(0);
    assertEquals("DPM++ 3M SDE", threeM.infotext().settings().get("Sampler"));
    assertEquals("Exponential", threeM.infotext().settings().get("Schedule type"));
    GeneratedImage beta =
        pipeline.generate(request().sampler("DPM++ 2S a").schedule("Beta").build(), null).get(0);
    assertEquals("DPM++ 2S a", beta.infotext().settings().get("Sampler"));
    assertEquals("Beta", beta.infotext().settings().get("Schedule type"));
    GeneratedImage karras =
        pipeline.generate(request().sampler("k_dpmpp_2s_a").build(), null).get(0);
    GeneratedImage karrasByName =
        pipeline.generate(request().sampler("DPM++ 2S a Karras").build(), null).get(0);
    assertEquals(0, GenerateEachTest.maxChannelDiff(karras.image(), karrasByName.image()));
    assertTrue(GenerateEachTest.maxChannelDiff(karras.image(), beta.image()) > 0);
  }

  @Test
  void img2imgStartsPartWayAndReportsSteps() {
    BufferedImage init = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    for (String sampler : new String[] {"DPM++ 2S a", "DPM++ 3M SDE"}) {
      List<String> progress = new ArrayList<>();
      GenerationRequest r =
          request()
              .sampler(sampler)
              .schedule("Align Your Steps")
              .initImage(new InitImage(init, 0.5))
              .build();
      GeneratedImage out =
          pipeline
              .generate(
                  r,
                  (step, total, preview) -> {
                    assertNotNull(preview.get());
                    progress.add(step + "/" + total);
                    return true;
                  })
              .get(0);
      assertEquals("[1/2, 2/2]", progress.toString(), sampler);
      assertEquals(32, out.image().getWidth());
    }
  }

  @Test
  void cancellingStopsBeforeTheNextStep() {
    List<Integer> steps = new ArrayList<>();
    assertThrows(
        GenerationCancelledException.class,
        () ->
            pipeline.generate(
                request().sampler("DPM++ 2S a").build(),
                (step, total, preview) -> {
                  steps.add(step);
                  return step < 2;
                }));
    assertEquals(List.of(1, 2), steps);
  }
}
