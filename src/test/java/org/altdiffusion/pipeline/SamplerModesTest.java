package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.schedulers.SamplerLimits;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every row of the sampler table in every mode the loop has (img2img, inpainting, a v-prediction
 * model, an x0-prediction model): it runs, or, where {@link SamplerLimits} says it cannot, it is
 * refused before any work with a message naming the samplers that can.
 */
public class SamplerModesTest {
  static final Path TINY = Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline = PipelineLoader.load(TINY);
  }

  static GenerationRequest.Builder request(String sampler) {
    return GenerationRequest.builder("a red circle")
        .steps(2)
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

  /**
   * The tiny model with another prediction_type in its scheduler config, made a DDIM config (its
   * PNDM takes no x0 prediction).
   */
  static DiffusionPipeline predicting(String type) {
    SchedulerConfig own = pipeline.components().scheduler();
    return new DiffusionPipeline(
        pipeline
            .components()
            .withScheduler(own.withClass(SchedulerConfig.DDIM, Map.of("prediction_type", type))));
  }

  /**
   * The tiny model's folder copied with {@code prediction_type} set (and DDIM as its scheduler),
   * for the API and server.
   */
  public static Path folderPredicting(Path dir, String type) throws IOException {
    try (Stream<Path> files = Files.walk(TINY)) {
      for (Path f : files.toList()) {
        Path to = dir.resolve(TINY.relativize(f).toString());
        if (Files.isDirectory(f)) Files.createDirectories(to);
        else Files.copy(f, to);
      }
    }
    Path config = dir.resolve("scheduler/scheduler_config.json");
    String json = Files.readString(config).trim().replace("PNDMScheduler", "DDIMScheduler");
    Files.writeString(
        config,
        json.substring(0, json.lastIndexOf('}')) + ", \"prediction_type\": \"" + type + "\"}");
    return dir;
  }

  @Test
  @Tag("slow") // every row three times: a minute
  void everySamplerDoesImg2imgInpaintingAndVPredictionOrSaysWhichCan() {
    List<String> failures = new ArrayList<>();
    DiffusionPipeline v = predicting("v_prediction");
    for (Samplers.Entry e : Samplers.entries()) {
      String name = e.name();
      boolean img2img = SamplerLimits.img2img(e.className());
      boolean vPrediction = SchedulerConfig.predictionTypes(e.className()).contains("v_prediction");
      var i2i = request(name).initImage(new InitImage(picture(), 0.7));
      check(failures, name + " img2img", img2img, () -> pipeline.generate(i2i.build(), null));
      var inpaint = i2i.mask(InpaintMask.of(leftHalf()));
      check(
          failures, name + " inpainting", img2img, () -> pipeline.generate(inpaint.build(), null));
      check(
          failures,
          name + " v-prediction",
          vPrediction,
          () -> v.generate(request(name).build(), null));
    }
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  @Test
  void anX0ModelIsRefusedBySamplersWithoutSamplePredictionNamingThoseWith() {
    DiffusionPipeline x0 = predicting("sample");
    int refused = 0;
    for (Samplers.Entry e : Samplers.entries()) {
      if (SchedulerConfig.predictionTypes(e.className()).contains("sample")) continue;
      var ex =
          assertThrows(
              IllegalArgumentException.class,
              () -> x0.generate(request(e.name()).build(), null),
              e.name());
      assertTrue(
          ex.getMessage().contains("'" + e.name() + "' cannot sample a model with sample (x0)")
              && ex.getMessage().contains("samplers that can: ")
              && ex.getMessage().contains("DDIM")
              && !ex.getMessage().contains(", " + e.name() + ","),
          ex.getMessage());
      refused++;
    }
    assertTrue(refused >= 3, "Euler a, DPM2, DPM2 a, PNDM have no x0 prediction: " + refused);
    x0.generate(request("Euler").build(), null); // one that can
  }

  private static void check(List<String> failures, String what, boolean can, Runnable run) {
    try {
      run.run();
      if (!can) failures.add(what + ": ran though SamplerLimits says it cannot");
    } catch (IllegalArgumentException e) {
      if (can || !e.getMessage().contains("samplers that can")) failures.add(what + ": " + e);
    } catch (RuntimeException e) {
      failures.add(what + ": " + e);
    }
  }
}
