package org.altdiffusion.pipeline;

import static org.altdiffusion.pipeline.GenerateEachTest.maxChannelDiff;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Variation seeds in the pipeline: only the starting noise changes (its formula is checked against
 * A1111's in engine.VariationNoiseTest), so strength 1 with a deterministic sampler gives what the
 * variation seed alone gives, image by image.
 */
class VariationSeedTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  private static GenerationRequest.Builder base() {
    return GenerationRequest.builder("一只红色的猫").steps(3).size(32, 32).batchSize(2).seed(10L);
  }

  @Test
  void strengthOneIsTheVariationSeedAndTheInfotextSaysSo() {
    List<GeneratedImage> varied =
        pipeline.generate(
            base().variation(new GenerationRequest.Variation(40L, 1.0)).build(), null);
    List<GeneratedImage> ofSubseed = pipeline.generate(base().seed(40L).build(), null);
    List<GeneratedImage> ofSeed = pipeline.generate(base().build(), null);
    for (int i = 0; i < 2; i++) {
      assertTrue(maxChannelDiff(varied.get(i).image(), ofSubseed.get(i).image()) <= 1, "i " + i);
      assertTrue(maxChannelDiff(varied.get(i).image(), ofSeed.get(i).image()) > 8, "i " + i);
      assertEquals(10L + i, varied.get(i).seed());
      var settings = varied.get(i).infotext().settings();
      assertEquals(Long.toString(40 + i), settings.get("Variation seed"));
      assertEquals("1", settings.get("Variation seed strength"));
      assertFalse(ofSeed.get(i).infotext().settings().containsKey("Variation seed"));
    }
    String text = varied.get(1).infotext().format();
    assertTrue(
        text.contains("Seed: 11, Size: 32x32, Model: ")
            && text.contains(", Variation seed: 41, Variation seed strength: 1, "),
        text);
  }

  @Test
  void strengthZeroIsNoVariationAndAHalfIsNeither() {
    List<GeneratedImage> ofSeed = pipeline.generate(base().build(), null);
    List<GeneratedImage> zero =
        pipeline.generate(
            base().variation(new GenerationRequest.Variation(40L, 0.0)).build(), null);
    List<GeneratedImage> half =
        pipeline.generate(
            base().variation(new GenerationRequest.Variation(40L, 0.5)).build(), null);
    List<GeneratedImage> ofSubseed = pipeline.generate(base().seed(40L).build(), null);
    assertEquals(ofSeed.get(0).infotext(), zero.get(0).infotext());
    assertTrue(maxChannelDiff(zero.get(0).image(), ofSeed.get(0).image()) == 0);
    assertTrue(maxChannelDiff(half.get(0).image(), ofSeed.get(0).image()) > 8);
    assertTrue(maxChannelDiff(half.get(0).image(), ofSubseed.get(0).image()) > 8);
    assertEquals("0.5", half.get(0).infotext().settings().get("Variation seed strength"));
  }

  @Test
  void badVariationsAreProblems() {
    var p = base().variation(new GenerationRequest.Variation(-3L, 1.5)).build().problems();
    assertTrue(
        p.stream().anyMatch(m -> m.startsWith("variation seed must be between")), p.toString());
    assertTrue(p.stream().anyMatch(m -> m.startsWith("variation strength must be")), p.toString());
  }
}
