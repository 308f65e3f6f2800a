package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The samplers added after the first seven, end to end on the tiny AltDiffusion folder against
 * tools/reference/make_sampler_pipeline_fixtures.py: diffusers' pipelines for Heun, DPM2, DPM2 a,
 * DDPM, UniPC, DEIS, LCM and TCD; k-diffusion's sampler functions over the same UNet (A1111's CFG
 * denoiser) for DPM++ 2S a, DPM++ 3M SDE, and A1111's schedule types Exponential on Euler and Beta
 * on DPM++ 2M (these two also against diffusers' class on the same sigmas, which ours runs). Same
 * prompts, seeds and batches must give the same pictures, at most 1/255 apart in any channel.
 */
class SamplerPipelineParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/pipeline");
  static DiffusionPipeline pipeline;
  static SafeTensors.Reader reference;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline = PipelineLoader.load(DIR.resolve("tiny-altdiffusion"));
    reference = SafeTensors.open(DIR.resolve("samplers/images.safetensors"));
  }

  @AfterAll
  static void close() {
    reference.close();
  }

  static Stream<Arguments> cases() throws Exception {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : new ObjectMapper().readTree(DIR.resolve("samplers/cases.json").toFile()))
      out.add(Arguments.of(c.get("name").asText(), c));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void sameImagesAsTheReference(String name, JsonNode c) {
    GenerationRequest.Builder builder = ParityImages.request(c);
    if (!c.get("schedule").isNull()) builder.schedule(c.get("schedule").asText());
    if (c.get("mode").asText().equals("img2img"))
      builder.initImage(
          new InitImage(
              DiffusionPipelineParityTest.rgb(reference.loadRaw(name + "/init")),
              c.get("strength").asDouble()));
    GenerationRequest r = builder.build();
    List<GeneratedImage> images = pipeline.generate(r, ProgressListener.NONE);
    assertEquals(r.batchSize(), images.size());
    within(name, images, r, "images", c.get("reference").asText());
    // A1111's schedule type on a diffusers sampler: ours runs diffusers' class on its sigmas
    if (!c.get("schedule").isNull())
      within(name, images, r, "diffusers_images", "diffusers 0.30.3 on these sigmas");
  }

  private static void within(
      String name, List<GeneratedImage> images, GenerationRequest r, String key, String source) {
    float[] expected = Tensors.toFloats(reference.load(name + "/" + key)); // [B, H, W, 3]
    int w = r.size().width();
    int h = r.size().height();
    double worst = ParityImages.maxDifference(images, expected, w, h);
    System.out.printf(
        "sampler pipeline parity %-20s %-13s max |ours - %s| x255 = %.3f,"
            + " 8-bit values off the reference's rounding: %d of %d%n",
        name,
        r.sampling().sampler(),
        source,
        worst * 255,
        offRounding(images, expected, w, h),
        expected.length);
    assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": max difference " + worst * 255 + "/255");
  }

  /** How many channels differ from the reference's value rounded to 8 bits (for the report). */
  private static int offRounding(List<GeneratedImage> images, float[] expected, int w, int h) {
    int off = 0;
    for (int b = 0; b < images.size(); b++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = images.get(b).image().getRGB(x, y);
          int base = ((b * h + y) * w + x) * 3; // [B, H, W, 3]
          for (int ch = 0; ch < 3; ch++) {
            int ours = (rgb >> (16 - 8 * ch)) & 255;
            if (ours != (int) Math.rint((double) (expected[base + ch] * 255f))) off++;
          }
        }
      }
    }
    return off;
  }
}
