package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.nn.Module;
import org.altdiffusion.schedulers.Samplers;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Device-genericity without a GPU: the tiny pipeline's weights on libtorch's {@code meta} device
 * (tensors with shapes and no data), where any tensor made on the CPU by mistake and mixed with the
 * model's raises a device mismatch. Every mode of generation then runs to its very last step,
 * reading the pixels back, which is the one thing {@code meta} cannot do ("Cannot copy out of meta
 * tensor"): reaching that error proves that everything before it stayed on the model's device.
 */
class MetaDeviceTest {
  static final Path TINY = DiffusionPipelineParityTest.DIR.resolve("tiny-altdiffusion");
  static ModelComponents model;
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    model =
        PipelineLoader.components(
            TINY, SingleFileOptions.defaults().withDevice(ComputeDevice.META));
    pipeline = new DiffusionPipeline(model);
  }

  @Test
  void theLoaderPutsEveryWeightOnTheDevice() {
    assertEquals(ComputeDevice.META, model.device());
    for (Module m : List.of((Module) model.textEncoder(), model.unet(), model.vae()))
      m.namedParameters()
          .forEach((k, p) -> assertTrue(p.get().is_meta(), k + " of " + m + " is not on meta"));
  }

  @Test
  void aTensorMadeOnTheCpuByMistakeIsCaught() {
    try (PointerScope s = new PointerScope()) {
      Tensor onMeta =
          torch.zeros(new long[] {2, 3}, ComputeDevice.META.options(torch.ScalarType.Float));
      Tensor onCpu = Tensors.fromFloats(new float[] {1, 2, 3}, 3);
      RuntimeException e = assertThrows(RuntimeException.class, () -> onMeta.add(onCpu));
      assertTrue(isDeviceMismatch(e), e.getMessage());
    }
  }

  @Test
  void everySamplerRunsAGuidedGenerationOnTheDevice() {
    for (String sampler : Samplers.names())
      reachesThePixels(base().sampler(sampler).steps(3).build(), sampler);
  }

  @Test
  void bothGuidanceLayoutsAndUnguidedStayOnTheDevice() {
    for (boolean parallel : new boolean[] {true, false})
      reachesThePixels(pipeline.withParallelGuidance(parallel), base().build(), "layout");
    reachesThePixels(base().guidance(1.0).build(), "unguided");
  }

  @Test
  void variationSeedsHiresAndTilingStayOnTheDevice() {
    reachesThePixels(
        base().variation(new GenerationRequest.Variation(7L, 0.3)).build(), "variation");
    reachesThePixels(base().hires(new HiresFix(2, "Latent", 2, 0.7)).build(), "hires");
    reachesThePixels(base().tiling(true).build(), "tiling");
  }

  @Test
  void imageToImageAndInpaintingStayOnTheDevice() {
    BufferedImage picture = picture();
    reachesThePixels(base().initImage(new InitImage(picture, 0.6)).build(), "img2img");
    InpaintMask mask = InpaintMask.of(halfMask());
    for (double strength : new double[] {1.0, 0.7})
      reachesThePixels(
          base().initImage(new InitImage(picture, strength)).mask(mask).build(), "inpaint");
    UNet2DConditionModel nine =
        UNet2DConditionModel.fromPretrained(InpaintParityTest.DIR.resolve("unet-9ch"));
    nine.moveTo(ComputeDevice.META);
    DiffusionPipeline ninePipeline =
        new DiffusionPipeline(
            new ModelComponents(model.name(), model.text(), nine, model.vae(), model.scheduler()));
    reachesThePixels(
        ninePipeline,
        base().initImage(new InitImage(picture, 1.0)).mask(mask).build(),
        "9-channel inpaint");
  }

  @Test
  void controlNetStaysOnTheDevice() {
    ControlNetModel net =
        ControlNetModel.fromPretrained(ControlNetParityTest.DIR.resolve("cn-sd1")); // on the CPU
    GenerationRequest.Control control =
        new GenerationRequest.Control(List.of(ControlNetUnit.of("cn-sd1", net, picture())), false);
    reachesThePixels(base().control(control).build(), "controlnet");
    assertEquals(ComputeDevice.META, net.device(), "the pipeline moves a ControlNet to its device");
    GenerationRequest.Control guess = new GenerationRequest.Control(control.units(), true);
    reachesThePixels(base().control(guess).build(), "controlnet guess mode");
  }

  private static GenerationRequest.Builder base() {
    return GenerationRequest.builder("ein großer roter Kreis links")
        .negativePrompt("blau")
        .steps(2)
        .seed(3L)
        .size(32, 32);
  }

  private static void reachesThePixels(GenerationRequest r, String what) {
    reachesThePixels(pipeline, r, what);
  }

  /** Generation fails exactly where the pixels are read back, and not before. */
  private static void reachesThePixels(DiffusionPipeline p, GenerationRequest r, String what) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> p.generate(r, null), what);
    String m = String.valueOf(e.getMessage());
    assertTrue(
        m.contains("Cannot copy out of meta tensor"),
        what + ": failed before the pixels were read back: " + m.lines().findFirst().orElse(m));
  }

  private static boolean isDeviceMismatch(RuntimeException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("same device") || m.contains("device");
  }

  static BufferedImage picture() {
    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 32; x++) img.setRGB(x, y, (x * 8) << 16 | (y * 8) << 8 | 90);
    return img;
  }

  static GrayImage halfMask() {
    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 32; y++)
      for (int x = 16; x < 32; x++) img.getRaster().setSample(x, y, 0, 255);
    return org.altdiffusion.image.Masks.luminance(img);
  }
}
