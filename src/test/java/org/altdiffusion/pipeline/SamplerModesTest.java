package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.schedulers.Samplers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every row of the sampler table in every mode the loop has (img2img, inpainting, a v-prediction
 * model): it runs, or it is refused before any work with a message naming the samplers that can.
 */
class SamplerModesTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  static GenerationRequest.Builder request(String sampler) {
    return GenerationRequest.builder("a red circle")
        .steps(3)
        .seed(2L)
        .size(32, 32)
        .sampler(sampler);
  }

  static BufferedImage picture() {
    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 32; x++) img.setRGB(x, y, (x * 8) << 16 | y * 8);
    return img;
  }

  static GrayImage leftHalf() {
    int[] v = new int[32 * 32];
    for (int i = 0; i < v.length; i++) v[i] = i % 32 < 16 ? 255 : 0;
    return new GrayImage(32, 32, v);
  }

  @Test
  void everySamplerDoesEveryModeOrSaysWhichCan() {
    List<String> failures = new ArrayList<>();
    var vModel =
        pipeline
            .components()
            .withScheduler(
                pipeline
                    .components()
                    .scheduler()
                    .withClass(
                        pipeline.components().scheduler().className(),
                        Map.of("prediction_type", "v_prediction")));
    DiffusionPipeline v = new DiffusionPipeline(vModel);
    for (String name : Samplers.names()) {
      try {
        pipeline.generate(request(name).initImage(new InitImage(picture(), 0.7)).build(), null);
      } catch (RuntimeException e) {
        failures.add(name + " img2img: " + e);
      }
      try {
        pipeline.generate(
            request(name)
                .initImage(new InitImage(picture(), 0.7))
                .mask(InpaintMask.of(leftHalf()))
                .build(),
            null);
      } catch (RuntimeException e) {
        failures.add(name + " inpaint: " + e);
      }
      try {
        v.generate(request(name).build(), null);
      } catch (RuntimeException e) {
        failures.add(name + " v: " + e);
      }
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }
}
