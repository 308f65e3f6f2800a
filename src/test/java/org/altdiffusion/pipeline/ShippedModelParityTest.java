package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped models (trained and exported by our code) give the same pictures in our pipeline as
 * in diffusers 0.30.3's AltDiffusionPipeline / StableDiffusionPipeline
 * (tools/reference/make_tiny_model_fixtures.py): at most 1/255 apart in any channel.
 */
class ShippedModelParityTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/shipped");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @ParameterizedTest
  @ValueSource(strings = {"altdiffusion-tiny", "english-base"})
  void sameImagesAsDiffusers(String model) throws Exception {
    DiffusionPipeline pipeline = PipelineLoader.load(Path.of("models").resolve(model));
    JsonNode cases =
        new ObjectMapper().readTree(FIXTURES.resolve("cases.json").toFile()).get(model);
    float[] reference;
    try (var f = SafeTensors.open(FIXTURES.resolve(model + ".safetensors"))) {
      reference = Tensors.toFloats(f.load("images")); // [N, 64, 64, 3] in [0, 1]
    }
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      GenerationRequest r =
          GenerationRequest.builder(c.get("prompt").asText())
              .steps(c.get("steps").asInt())
              .guidance(c.get("guidance").asDouble())
              .seed(c.get("seed").asLong())
              .size(64, 64)
              .build();
      BufferedImage ours = pipeline.generate(r, null).get(0).image();
      int worst = 0;
      for (int y = 0; y < 64; y++) {
        for (int x = 0; x < 64; x++) {
          int p = ours.getRGB(x, y);
          for (int ch = 0; ch < 3; ch++) {
            int mine = (p >> (16 - 8 * ch)) & 255;
            int theirs = Math.round(reference[((i * 64 + y) * 64 + x) * 3 + ch] * 255f);
            worst = Math.max(worst, Math.abs(mine - theirs));
          }
        }
      }
      assertTrue(
          worst <= 1,
          model + " case " + i + " (" + c.get("prompt").asText() + "): " + worst + "/255 apart");
    }
  }
}
