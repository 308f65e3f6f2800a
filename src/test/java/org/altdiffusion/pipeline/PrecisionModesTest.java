package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.nn.Module;
import org.altdiffusion.schedulers.Samplers;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every mode of generation runs with the models in bfloat16 and float16 (dtype-genericity: a
 * float32 tensor made by mistake and fed to a reduced-precision layer raises a dtype mismatch) and
 * gives a picture with structure. Closeness to diffusers in those types: {@link
 * PrecisionParityTest}.
 */
class PrecisionModesTest {
  static final java.nio.file.Path TINY =
      DiffusionPipelineParityTest.DIR.resolve("tiny-altdiffusion");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  private static ModelComponents model(Precision p) {
    return PipelineLoader.components(TINY).in(p);
  }

  @ParameterizedTest
  @EnumSource(
      value = Precision.class,
      names = {"BFLOAT16", "FLOAT16"})
  void theWeightsTakeThePrecisionAndTheVaeFollowsForceUpcast(Precision p) {
    ModelComponents m = model(p);
    for (Module module : List.of((Module) m.textEncoder(), m.unet()))
      module
          .namedParameters()
          .forEach((k, w) -> assertEquals(p.scalarType().value, w.get().scalar_type().value, k));
    // the fixture's VAE config says force_upcast (diffusers' default): float32 under float16
    torch.ScalarType vae = p == Precision.FLOAT16 ? torch.ScalarType.Float : p.scalarType();
    assertEquals(vae.value, m.vae().dtype().value);
  }

  @ParameterizedTest // float16 runs the same code, 3x slower on CPUs: everyModeRuns covers it
  @EnumSource(
      value = Precision.class,
      names = {"BFLOAT16"})
  void everySamplerAndLayoutRuns(Precision p) {
    DiffusionPipeline pipeline = new DiffusionPipeline(model(p));
    for (String sampler : Samplers.names())
      hasStructure(pipeline, base().sampler(sampler).steps(3).build(), sampler + " " + p);
    hasStructure(pipeline.withParallelGuidance(false), base().build(), "one batch " + p);
    hasStructure(pipeline, base().guidance(1.0).build(), "unguided " + p);
  }

  @ParameterizedTest
  @EnumSource(
      value = Precision.class,
      names = {"BFLOAT16", "FLOAT16"})
  void everyModeRuns(Precision p) {
    ModelComponents m = model(p);
    DiffusionPipeline pipeline = new DiffusionPipeline(m);
    BufferedImage picture = MetaDeviceTest.picture();
    hasStructure(
        pipeline,
        base().variation(new GenerationRequest.Variation(7L, 0.3)).build(),
        "variation " + p);
    hasStructure(pipeline, base().hires(new HiresFix(2, "Latent", 2, 0.7)).build(), "hires " + p);
    hasStructure(pipeline, base().tiling(true).build(), "tiling " + p);
    hasStructure(pipeline, base().initImage(new InitImage(picture, 0.6)).build(), "img2img " + p);
    InpaintMask mask = InpaintMask.of(MetaDeviceTest.halfMask());
    hasStructure(
        pipeline, base().initImage(new InitImage(picture, 0.8)).mask(mask).build(), "inpaint " + p);
    UNet2DConditionModel nine =
        UNet2DConditionModel.fromPretrained(InpaintParityTest.DIR.resolve("unet-9ch"));
    nine.castTo(p.scalarType());
    hasStructure(
        new DiffusionPipeline(
            new ModelComponents(m.name(), m.text(), nine, m.vae(), m.scheduler())),
        base().initImage(new InitImage(picture, 1.0)).mask(mask).build(),
        "9-channel inpaint " + p);
    ControlNetModel net =
        ControlNetModel.fromPretrained(ControlNetParityTest.DIR.resolve("cn-sd1")); // float32
    GenerationRequest.Control control =
        new GenerationRequest.Control(List.of(ControlNetUnit.of("cn-sd1", net, picture)), true);
    hasStructure(pipeline, base().control(control).build(), "controlnet guess mode " + p);
    assertEquals(
        p.scalarType().value, net.dtype().value, "the pipeline casts a ControlNet to its models'");
  }

  private static GenerationRequest.Builder base() {
    return GenerationRequest.builder("ein großer roter Kreis links")
        .negativePrompt("blau")
        .steps(2)
        .seed(3L)
        .size(32, 32);
  }

  /** The generation runs and its picture is not one flat colour (no NaN turned black). */
  private static void hasStructure(DiffusionPipeline p, GenerationRequest r, String what) {
    GeneratedImage generated = p.generate(r, null).get(0);
    String dtype = what.endsWith("bfloat16") ? "bfloat16" : "float16";
    assertTrue(generated.infotext().format().contains("Dtype: " + dtype), what + ": infotext");
    BufferedImage img = generated.image();
    int first = img.getRGB(0, 0);
    boolean varies = false;
    for (int y = 0; y < img.getHeight() && !varies; y++)
      for (int x = 0; x < img.getWidth() && !varies; x++) varies = img.getRGB(x, y) != first;
    assertTrue(varies, what + ": a flat picture");
  }
}
