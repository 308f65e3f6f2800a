package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --dtype bfloat16/float16} against diffusers run with the same torch_dtype
 * (tools/reference/make_precision_fixtures.py) on the tiny AltDiffusion folder of the float32
 * parity suite. diffusers keeps its latents, scheduler steps and guidance in that dtype while ours
 * stay float32, so the two reduced paths differ by their own rounding: the test asserts that ours
 * is at most {@link #WORST} from diffusers' reduced picture and no farther from the exact (float32)
 * picture than diffusers' reduced picture is, give or take {@link #SLACK}.
 */
class PrecisionParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/precision");
  static final Path FLOAT32 = DiffusionPipelineParityTest.DIR;
  static final Map<String, Double> WORST = Map.of("bfloat16", 10.0 / 255, "float16", 2.0 / 255);
  static final Map<Precision, DiffusionPipeline> pipelines = new EnumMap<>(Precision.class);

  @BeforeAll
  static void load() {
    Torch.init();
    Path folder = FLOAT32.resolve("tiny-altdiffusion");
    for (Precision p : List.of(Precision.BFLOAT16, Precision.FLOAT16)) {
      pipelines.put(p, new DiffusionPipeline(PipelineLoader.components(folder).in(p)));
    }
  }

  static Stream<Arguments> cases() throws Exception {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : new ObjectMapper().readTree(DIR.resolve("cases.json").toFile()))
      out.add(Arguments.of(c.get("name").asText(), c.get("dtype").asText(), c));
    return out.stream();
  }

  @ParameterizedTest(name = "{0} in {1}")
  @MethodSource("cases")
  void closeToDiffusersInTheSameDtype(String name, String dtype, JsonNode c) throws Exception {
    Precision precision = Precision.parse(dtype);
    GenerationRequest.Builder builder = ParityImages.request(c);
    Path reducedFile = DIR.resolve(name + "-" + dtype + ".safetensors");
    try (var reduced = SafeTensors.open(reducedFile)) {
      if (c.get("mode").asText().equals("img2img"))
        try (var exact = SafeTensors.open(FLOAT32.resolve(name + ".safetensors"))) {
          builder.initImage(
              new InitImage(
                  DiffusionPipelineParityTest.rgb(exact.loadRaw("init")),
                  c.get("strength").asDouble()));
        }
      GenerationRequest r = builder.build();
      List<GeneratedImage> images = pipelines.get(precision).generate(r, ProgressListener.NONE);
      float[] expected = Tensors.toFloats(reduced.load("images")); // [B, H, W, 3] in [0, 1]
      double worst =
          ParityImages.maxDifference(images, expected, r.size().width(), r.size().height());
      System.out.printf(
          "precision parity %-16s %-8s max |ours - diffusers| = %5.2f/255%n",
          name, dtype, worst * 255);
      assertTrue(worst <= WORST.get(dtype), name + ": " + worst * 255 + "/255 from diffusers");
    }
  }
}
