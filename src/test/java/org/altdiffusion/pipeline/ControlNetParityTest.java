package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ControlNet generation end to end against diffusers 0.30.3's StableDiffusionControlNetPipeline and
 * its Img2Img and Inpaint variants (tools/reference/make_controlnet_fixtures.py) on the tiny
 * AltDiffusion folder with tiny ControlNets (SD 1.x-style convolutional and SD 2.x-style linear
 * attention projections, one with global pooling and BGR order): text-to-image, image-to-image,
 * inpainting (4- and 9-channel UNets), two nets at once with their own scales and start/end, guess
 * mode, start/end 0.2/0.8, unguided. The guidance layouts (side by side, one batch) alternate by
 * case; the slow-tagged test runs each case in the other one. The same pictures, at most 1/255
 * apart in any channel.
 */
class ControlNetParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/controlnet");
  static DiffusionPipeline pipeline;
  static DiffusionPipeline nineChannels;
  static final Map<String, ControlNetModel> NETS = new HashMap<>();

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline =
        new DiffusionPipeline(
            PipelineLoader.components(
                DiffusionPipelineParityTest.DIR.resolve("tiny-altdiffusion")));
    ModelComponents tiny = pipeline.components();
    nineChannels =
        new DiffusionPipeline(
            new ModelComponents(
                tiny.name(),
                tiny.text(),
                UNet2DConditionModel.fromPretrained(InpaintParityTest.DIR.resolve("unet-9ch")),
                tiny.vae(),
                tiny.scheduler()));
    for (String n : List.of("cn-sd1", "cn-sd2", "cn-pool-bgr"))
      NETS.put(n, ControlNetModel.fromPretrained(DIR.resolve(n)));
  }

  /** Every case once, the guidance layouts alternating (side by side, one batch, ...). */
  static Stream<Arguments> cases() throws Exception {
    return layouts(0);
  }

  /** Every case in the other layout (slow: with {@link #cases} the full matrix). */
  static Stream<Arguments> otherLayouts() throws Exception {
    return layouts(1);
  }

  private static Stream<Arguments> layouts(int shift) throws Exception {
    JsonNode cases = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
    List<Arguments> out = new ArrayList<>();
    int i = 0;
    for (JsonNode c : cases)
      out.add(Arguments.of(c.get("name").asText(), c, (i++ + shift) % 2 == 0));
    return out.stream();
  }

  @org.junit.jupiter.api.Tag("slow")
  @ParameterizedTest(name = "{0}, parallel guidance {2}")
  @MethodSource("otherLayouts")
  void sameImagesInTheOtherGuidanceLayout(String name, JsonNode c, boolean parallelGuidance) {
    sameImagesAsDiffusers(name, c, parallelGuidance);
  }

  @ParameterizedTest(name = "{0}, parallel guidance {2}")
  @MethodSource("cases")
  void sameImagesAsDiffusers(String name, JsonNode c, boolean parallelGuidance) {
    try (var ref = SafeTensors.open(DIR.resolve(name + ".safetensors"))) {
      List<ControlNetUnit> units = new ArrayList<>();
      for (int i = 0; i < c.get("nets").size(); i++) {
        String net = c.get("nets").get(i).asText();
        units.add(
            ControlNetUnit.of(
                    net, NETS.get(net), DiffusionPipelineParityTest.rgb(ref.loadRaw("control" + i)))
                .withScale(c.get("scales").get(i).asDouble())
                .withGuidance(c.get("start").get(i).asDouble(), c.get("end").get(i).asDouble()));
      }
      GenerationRequest.Builder b =
          GenerationRequest.builder(c.get("prompt").asText())
              .negativePrompt(c.get("negative_prompt").asText())
              .sampler(c.get("sampler").asText())
              .steps(c.get("steps").asInt())
              .guidance(c.get("guidance").asDouble())
              .seed(c.get("seed").asLong())
              .batchSize(c.get("batch").asInt())
              .size(c.get("width").asInt(), c.get("height").asInt())
              .control(new GenerationRequest.Control(units, c.get("guess_mode").asBoolean()));
      String mode = c.get("mode").asText();
      if (!mode.equals("txt2img"))
        b.initImage(
            new InitImage(
                DiffusionPipelineParityTest.rgb(ref.loadRaw("init")),
                c.get("strength").asDouble()));
      if (mode.equals("inpaint"))
        b.mask(
            new InpaintMask(
                InpaintParityTest.gray(ref.loadRaw("mask")),
                0,
                false,
                false,
                null,
                InpaintMask.Fill.ORIGINAL));
      List<GeneratedImage> images =
          (c.get("unet").asText().equals("9ch") ? nineChannels : pipeline)
              .withParallelGuidance(parallelGuidance)
              .generate(b.build(), ProgressListener.NONE);
      double worst =
          ParityImages.maxDifference(
              images,
              Tensors.toFloats(ref.load("images")),
              c.get("width").asInt(),
              c.get("height").asInt());
      System.out.printf(
          "controlnet parity %-16s parallel %-5s max |ours - diffusers| = %.5f (x255 = %.2f)%n",
          name, parallelGuidance, worst, worst * 255);
      assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": max difference " + worst * 255 + "/255");
    }
  }

  /** Without its ControlNet the first case's picture is far from diffusers': the nets matter. */
  @Test
  void theControlNetsChangeThePicture() throws Exception {
    JsonNode c = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile()).get(0);
    try (var ref = SafeTensors.open(DIR.resolve(c.get("name").asText() + ".safetensors"))) {
      GenerationRequest r =
          GenerationRequest.builder(c.get("prompt").asText())
              .negativePrompt(c.get("negative_prompt").asText())
              .sampler(c.get("sampler").asText())
              .steps(c.get("steps").asInt())
              .seed(c.get("seed").asLong())
              .batchSize(c.get("batch").asInt())
              .size(48, 32)
              .build();
      double worst =
          ParityImages.maxDifference(
              pipeline.generate(r, ProgressListener.NONE),
              Tensors.toFloats(ref.load("images")),
              48,
              32);
      assertTrue(worst > 20.0 / 255, "without the ControlNet: " + worst * 255 + "/255");
    }
  }

  @Test
  void badUnitsAreRefusedWithWhatIsAccepted() {
    ControlNetModel net = NETS.get("cn-sd1");
    var image = new java.awt.image.BufferedImage(48, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
    GenerationRequest.Builder b = GenerationRequest.builder("x").steps(2).size(48, 32);
    var scale =
        b.control(
                new GenerationRequest.Control(
                    List.of(ControlNetUnit.of("a", net, image).withScale(3)), false))
            .build();
    var e = assertThrows(IllegalArgumentException.class, scale::validate);
    assertTrue(e.getMessage().contains("scale must be between 0 and 2.0, got 3.0"), e.getMessage());
    var order =
        b.control(
                new GenerationRequest.Control(
                    List.of(ControlNetUnit.of("a", net, image).withGuidance(0.8, 0.2)), false))
            .build();
    e = assertThrows(IllegalArgumentException.class, order::validate);
    assertTrue(e.getMessage().contains("start (0.8) must be below end (0.2)"), e.getMessage());
  }

  @Test
  void aControlImageOfAnotherSizeIsFittedByItsResizeMode() {
    var small = new java.awt.image.BufferedImage(24, 24, java.awt.image.BufferedImage.TYPE_INT_RGB);
    ControlNetUnit u = ControlNetUnit.of("a", NETS.get("cn-sd1"), small);
    var fitted = ControlNetInputs.fitted(u, new GenerationRequest.Size(48, 32));
    assertEquals(48, fitted.getWidth());
    assertEquals(32, fitted.getHeight());
  }
}
