package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.Masks;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.schedulers.Scheduler;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Inpainting end to end against diffusers' StableDiffusionInpaintPipeline
 * (tools/reference/make_inpaint_fixtures.py): the tiny AltDiffusion folder's 4-channel UNet (the
 * known region put back after each step) and a tiny 9-channel inpainting UNet (mask and masked
 * latents as extra channels), PNDM, DDIM, Euler a and DPM++ 2M, strength 1 and 0.6, batches of 2
 * seeded per image, and diffusers' padding_mask_crop (crop, fit, inpaint, paste back over a larger
 * original): the same pictures, at most 1/255 apart in any channel.
 */
class InpaintParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/inpaint");
  static DiffusionPipeline fourChannels;
  static DiffusionPipeline nineChannels;

  @BeforeAll
  static void load() {
    Torch.init();
    ModelComponents tiny =
        PipelineLoader.components(DiffusionPipelineParityTest.DIR.resolve("tiny-altdiffusion"));
    fourChannels = new DiffusionPipeline(tiny);
    UNet2DConditionModel unet9 = UNet2DConditionModel.fromPretrained(DIR.resolve("unet-9ch"));
    nineChannels =
        new DiffusionPipeline(
            new ModelComponents(tiny.name(), tiny.text(), unet9, tiny.vae(), tiny.scheduler()));
  }

  static Stream<Arguments> cases() throws Exception {
    JsonNode cases = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : cases)
      for (boolean parallel : new boolean[] {true, false})
        out.add(Arguments.of(c.get("name").asText(), c, parallel));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}, parallel guidance {2}")
  @MethodSource("cases")
  void sameImagesAsDiffusers(String name, JsonNode c, boolean parallelGuidance) {
    try (var ref = SafeTensors.open(DIR.resolve(name + ".safetensors"))) {
      GenerationRequest r =
          GenerationRequest.builder(c.get("prompt").asText())
              .negativePrompt(c.get("negative_prompt").asText())
              .sampler(c.get("sampler").asText())
              .steps(c.get("steps").asInt())
              .guidance(c.get("guidance").asDouble())
              .seed(c.get("seed").asLong())
              .batchSize(c.get("batch").asInt())
              .size(c.get("width").asInt(), c.get("height").asInt())
              .initImage(
                  new InitImage(
                      DiffusionPipelineParityTest.rgb(ref.loadRaw("init")),
                      c.get("strength").asDouble()))
              .mask(
                  new InpaintMask(
                      gray(ref.loadRaw("mask")),
                      0,
                      false,
                      false,
                      c.has("padding_mask_crop") ? c.get("padding_mask_crop").asInt() : null,
                      InpaintMask.Fill.ORIGINAL))
              .build();
      DiffusionPipeline pipeline =
          c.get("unet").asText().equals("9ch") ? nineChannels : fourChannels;
      List<GeneratedImage> images =
          pipeline.withParallelGuidance(parallelGuidance).generate(r, ProgressListener.NONE);
      assertEquals(r.batchSize(), images.size());
      double worst = worstDifference(images, Tensors.toFloats(ref.load("images")));
      System.out.printf(
          "inpaint parity %-28s parallel %-5s max |ours - diffusers| = %.5f (x255 = %.2f)%n",
          name, parallelGuidance, worst, worst * 255);
      assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": max difference " + worst * 255 + "/255");
    }
  }

  /** The first fixture's init picture and mask, strength 1, 2 steps, batch 1. */
  static GenerationRequest.Builder small(Function<GrayImage, InpaintMask> mask) {
    try (var ref = SafeTensors.open(DIR.resolve("4ch_pndm_s10.safetensors"))) {
      BufferedImage init = DiffusionPipelineParityTest.rgb(ref.loadRaw("init"));
      return GenerationRequest.builder("a flower")
          .steps(2)
          .seed(5L)
          .size(init.getWidth(), init.getHeight())
          .initImage(new InitImage(init, 1.0))
          .mask(mask.apply(gray(ref.loadRaw("mask"))));
    }
  }

  @Test
  void nineChannelUNetsNeedAMask() {
    GenerationRequest r = GenerationRequest.builder("a flower").steps(2).size(48, 32).build();
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> nineChannels.generate(r, ProgressListener.NONE));
    assertTrue(e.getMessage().contains("9 input channels"), e.getMessage());
    assertTrue(e.getMessage().contains("an init image and a mask"), e.getMessage());
  }

  @Test
  void aMaskNeedsAnInitImageOfItsSize() {
    GenerationRequest withMask = small(m -> InpaintMask.of(m)).build();
    var noInit = withMask.toBuilder().initImage(null).build();
    var e = assertThrows(IllegalArgumentException.class, noInit::validate);
    assertTrue(e.getMessage().contains("needs an init image"), e.getMessage());
    var smallMask = InpaintMask.of(new GrayImage(8, 8, new int[64]));
    var otherSize = withMask.toBuilder().mask(smallMask).build();
    e = assertThrows(IllegalArgumentException.class, otherSize::validate);
    assertTrue(e.getMessage().contains("mask is 8x8 but the init image is 48x32"), e.getMessage());
  }

  @Test
  void overlayPutsTheOriginalBackOutsideTheMask() {
    GenerationRequest plain = small(m -> new InpaintMask(m, 2, false, false, null, null)).build();
    GenerationRequest overlaid = small(m -> new InpaintMask(m, 2, false, true, null, null)).build();
    BufferedImage original = plain.initImage().image();
    GrayImage mask = plain.mask().prepared();
    BufferedImage a = fourChannels.generate(plain, ProgressListener.NONE).get(0).image();
    BufferedImage b = fourChannels.generate(overlaid, ProgressListener.NONE).get(0).image();
    int kept = 0;
    int repainted = 0;
    int changedOutside = 0;
    for (int y = 0; y < mask.height(); y++) {
      for (int x = 0; x < mask.width(); x++) {
        int m = mask.get(x, y);
        int expected = m == 0 ? original.getRGB(x, y) : m >= 128 ? a.getRGB(x, y) : b.getRGB(x, y);
        assertEquals(expected & 0xffffff, b.getRGB(x, y) & 0xffffff, "pixel " + x + "," + y);
        if (m == 0) kept++;
        if (m >= 128) repainted++;
        if (m == 0 && a.getRGB(x, y) != original.getRGB(x, y)) changedOutside++;
      }
    }
    assertTrue(kept > 100 && repainted > 100, "kept " + kept + ", repainted " + repainted);
    assertTrue(changedOutside > 0, "without the overlay the VAE changes the kept region");
    String info = fourChannels.generate(overlaid, ProgressListener.NONE).get(0).infotext().format();
    assertTrue(info.contains("Mask blur: 2"), info);
  }

  @Test
  void latentFillModesChangeOnlyTheMaskedRegionsStart() {
    BufferedImage init;
    GrayImage mask;
    try (var ref = SafeTensors.open(DIR.resolve("4ch_ddim_s6.safetensors"))) {
      init = DiffusionPipelineParityTest.rgb(ref.loadRaw("init"));
      mask = gray(ref.loadRaw("mask"));
    }
    ModelComponents m = fourChannels.components();
    long[] shape = m.latentShape(2, 48, 32); // [2, 4, 4, 6]
    try (NoGradGuard g = new NoGradGuard();
        PointerScope scope = new PointerScope();
        Scheduler scheduler = Samplers.resolve("DDIM", null).create(m.scheduler())) {
      scheduler.setTimesteps(10);
      int first = scheduler.img2imgStart(0.6);
      float[] noise = start(m, init, 1.0, mask, InpaintMask.Fill.ORIGINAL, scheduler, shape);
      float[] original = start(m, init, 0.6, mask, InpaintMask.Fill.ORIGINAL, scheduler, shape);
      float[] nothing =
          start(m, init, 0.6, mask, InpaintMask.Fill.LATENT_NOTHING, scheduler, shape);
      float[] withNoise =
          start(m, init, 0.6, mask, InpaintMask.Fill.LATENT_NOISE, scheduler, shape);
      Tensor n = Tensors.fromFloats(noise, shape);
      Tensor zeros = torch.zeros_like(n);
      float[] noiseOnly = Tensors.toFloats(scheduler.addNoise(zeros, n, first)); // sqrt(1-a) n
      float[] signalOnly = Tensors.toFloats(scheduler.addNoise(n, zeros, first)); // sqrt(a) n
      float[] small =
          Masks.nearest(Masks.diffusers(mask, 48, 32), 48, 32, (int) shape[3], (int) shape[2]);
      int plane = small.length;
      int masked = 0;
      for (int i = 0; i < noise.length; i++) {
        if (small[i % plane] == 0) {
          assertEquals(original[i], nothing[i], 0f, "kept value " + i);
          assertEquals(original[i], withNoise[i], 0f, "kept value " + i);
        } else {
          masked++;
          assertEquals(noiseOnly[i], nothing[i], 1e-5, "latent nothing " + i);
          assertEquals(noiseOnly[i] + signalOnly[i], withNoise[i], 1e-5, "latent noise " + i);
          assertNotEquals(original[i], nothing[i], "original fill keeps the picture " + i);
        }
      }
      assertTrue(masked > 0 && masked < noise.length, "masked latent values: " + masked);
    }
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                small(x -> new InpaintMask(x, 0, false, false, null, InpaintMask.Fill.LATENT_NOISE))
                    .build()
                    .validate());
    assertTrue(e.getMessage().contains("needs a denoising strength below 1"), e.getMessage());
  }

  private static float[] start(
      ModelComponents m,
      BufferedImage init,
      double strength,
      GrayImage mask,
      InpaintMask.Fill fill,
      Scheduler scheduler,
      long[] shape) {
    List<Generator> gens = Noise.seeded(7, 2);
    Inpainting inpainting =
        new Inpainting(
            m.vae(), new InitImage(init, strength), mask, false, fill, Noise.of(gens.get(0)));
    return Tensors.toFloats(inpainting.start(scheduler, Noise.perSample(gens), shape).latents());
  }

  /** The largest channel difference between our pictures and diffusers' [B, H, W, 3] in [0, 1]. */
  static double worstDifference(List<GeneratedImage> images, float[] expected) {
    double worst = 0;
    for (int b = 0; b < images.size(); b++) {
      BufferedImage img = images.get(b).image();
      int w = img.getWidth();
      int h = img.getHeight();
      assertEquals(expected.length, images.size() * w * h * 3, "size of image " + b);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = img.getRGB(x, y);
          int base = ((b * h + y) * w + x) * 3;
          int[] ours = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
          for (int ch = 0; ch < 3; ch++) {
            double d = Math.abs(ours[ch] / 255.0 - expected[base + ch]);
            if (d > 1.5 / 255 && d > worst)
              System.out.printf(
                  "  image %d (%d, %d) channel %d: ours %d, diffusers %.0f%n",
                  b, x, y, ch, ours[ch], expected[base + ch] * 255);
            worst = Math.max(worst, d);
          }
        }
      }
    }
    return worst;
  }

  /** [H, W] uint8 to a gray picture. */
  static GrayImage gray(Tensor hw) {
    long[] s = Tensors.shape(hw);
    long[] v = Tensors.toLongs(hw);
    int[] values = new int[v.length];
    for (int i = 0; i < v.length; i++) values[i] = (int) (v[i] & 255);
    return new GrayImage((int) s[1], (int) s[0], values);
  }
}
