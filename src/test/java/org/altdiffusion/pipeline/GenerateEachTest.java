package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Several prompts in one batch give what each prompt alone gives with seed + i. */
class GenerateEachTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion"));
  }

  @Test
  void imageIOfTheListEqualsPromptIAloneWithSeedPlusI() {
    List<String> prompts = List.of("一只红色的猫", "a blue dog", "");
    GenerationRequest settings =
        GenerationRequest.builder("ignored")
            .steps(4)
            .seed(10L)
            .size(32, 32)
            .negativePrompt("blurry")
            .build();
    List<GeneratedImage> batch = pipeline.generateEach(prompts, settings, null);
    assertEquals(3, batch.size());
    for (int i = 0; i < prompts.size(); i++) {
      GeneratedImage alone =
          pipeline
              .generate(settings.toBuilder().prompt(prompts.get(i)).seed(10L + i).build(), null)
              .get(0);
      assertEquals(10L + i, batch.get(i).seed());
      assertEquals(prompts.get(i), batch.get(i).infotext().prompt());
      assertTrue(maxChannelDiff(alone.image(), batch.get(i).image()) <= 1, "image " + i);
    }
  }

  @Test
  void refusesEmptyAndOversizedLists() {
    GenerationRequest settings = GenerationRequest.builder("").steps(1).build();
    assertThrows(
        IllegalArgumentException.class, () -> pipeline.generateEach(List.of(), settings, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> pipeline.generateEach(java.util.Collections.nCopies(65, "x"), settings, null));
  }

  static int maxChannelDiff(BufferedImage a, BufferedImage b) {
    int max = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y), q = b.getRGB(x, y);
        for (int s = 0; s < 24; s += 8)
          max = Math.max(max, Math.abs(((p >> s) & 255) - ((q >> s) & 255)));
      }
    }
    return max;
  }
}
