package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Single files in the LDM layout against diffusers 0.30.3
 * (tools/reference/make_single_file_fixtures.py): every weight after our loading equals diffusers'
 * from_single_file conversion bit for bit (A1111's loading for AltDiffusion), the inferred
 * prediction type and channels are diffusers', and the picture equals the diffusers pipeline's over
 * the converted weights within 1/255.
 */
class SingleFileParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/single_file");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  static Stream<String> cases() {
    return Stream.of("sd1", "sd2v", "inpainting", "altdiffusion");
  }

  static SingleFileOptions options(Path dir, boolean noEma) {
    Path yaml = dir.resolve("model.yaml");
    return new SingleFileOptions(
        Files.isRegularFile(yaml) ? yaml : null, null, noEma, null, List.of());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void weightsAndPictureAsDiffusers(String name) throws Exception {
    Path dir = DIR.resolve(name);
    JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
    SingleFileLoader.Loaded loaded =
        SingleFileLoader.load(dir.resolve("model.safetensors"), options(dir, false));
    ModelComponents m = loaded.components();
    sameWeights(name + " unet", expected.get("unet"), m.unet());
    sameWeights(name + " vae", expected.get("vae"), m.vae());
    sameWeights(name + " text encoder", expected.get("text_encoder"), (Module) m.textEncoder());
    assertEquals(expected.get("prediction_type").asText(), m.scheduler().predictionType());
    assertEquals(expected.get("in_channels").asInt(), m.unet().config.inChannels());
    assertEquals("model", m.name());
    assertEquals(10, m.hash().length());
    if (expected.has("unet_no_ema")) {
      ModelComponents plain =
          SingleFileLoader.load(dir.resolve("model.safetensors"), options(dir, true)).components();
      sameWeights(name + " unet --no-ema", expected.get("unet_no_ema"), plain.unet());
    }
    if (expected.has("generation")) samePicture(name, dir, expected.get("generation"), m);
  }

  private static void samePicture(String name, Path dir, JsonNode g, ModelComponents m) {
    GenerationRequest.Builder request =
        GenerationRequest.builder(g.get("prompt").asText())
            .negativePrompt(g.get("negative_prompt").asText())
            .steps(g.get("steps").asInt())
            .guidance(g.get("guidance").asDouble())
            .seed(g.get("seed").asLong())
            .size(g.get("width").asInt(), g.get("height").asInt());
    float[] theirs;
    try (var ref = SafeTensors.open(dir.resolve("image.safetensors"))) {
      theirs = Tensors.toFloats(ref.load("images"));
      if (g.has(
          "strength")) // inpainting: diffusers' StableDiffusionInpaintPipeline's init and mask
      request
            .initImage(
                new InitImage(
                    DiffusionPipelineParityTest.rgb(ref.loadRaw("init")),
                    g.get("strength").asDouble()))
            .mask(InpaintMask.of(InpaintParityTest.gray(ref.loadRaw("mask"))));
    }
    List<GeneratedImage> images =
        new DiffusionPipeline(m).generate(request.build(), ProgressListener.NONE);
    float[] ours = pixels(images.get(0).image());
    assertEquals(theirs.length, ours.length);
    double worst = 0;
    for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    System.out.printf(
        "single-file parity %-12s max |ours - diffusers| = %.5f (x255 = %.2f)%n",
        name, worst, worst * 255);
    assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": max difference " + worst * 255 + "/255");
    String info = images.get(0).infotext().format();
    assertTrue(info.contains("Model hash: " + m.hash() + ", Model: model"), info);
  }

  /** Each parameter's shape and the sha256 of its float32 little-endian bytes. */
  static void sameWeights(String what, JsonNode expected, Module module) throws Exception {
    Map<String, Tensor> state = module.stateDict();
    List<String> names = new ArrayList<>();
    expected.fieldNames().forEachRemaining(names::add);
    assertEquals(
        names.stream().sorted().toList(),
        state.keySet().stream().sorted().toList(),
        what + ": parameter names");
    for (String n : names) {
      Tensor t = state.get(n);
      long[] shape = new ObjectMapper().treeToValue(expected.get(n).get(0), long[].class);
      assertArrayEquals(shape, t.sizes().vec().get(), what + " " + n + " shape");
      assertEquals(expected.get(n).get(1).asText(), sha256(t), what + " " + n + " values");
    }
  }

  static String sha256(Tensor t) throws Exception {
    float[] values = Tensors.toFloats(t);
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
  }

  static float[] pixels(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] out = new float[h * w * 3];
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        int base = (y * w + x) * 3;
        out[base] = ((rgb >> 16) & 255) / 255f;
        out[base + 1] = ((rgb >> 8) & 255) / 255f;
        out[base + 2] = (rgb & 255) / 255f;
      }
    return out;
  }

  static Stream<String> globalStepCases() throws Exception {
    JsonNode expected =
        new ObjectMapper().readTree(DIR.resolve("global_step/expected.json").toFile());
    List<String> names = new ArrayList<>();
    expected.fieldNames().forEachRemaining(names::add);
    return names.stream();
  }

  /**
   * An SD 2.x-shaped .ckpt's global_step decides 512 epsilon (875000, SD 2 base) or 768
   * v-prediction as diffusers' conversion does (convert_from_ckpt reads it from the top-level
   * dict); --prediction-type still wins.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("globalStepCases")
  void globalStepAsDiffusers(String name) throws Exception {
    Path dir = DIR.resolve("global_step");
    JsonNode e = new ObjectMapper().readTree(dir.resolve("expected.json").toFile()).get(name);
    Path file = dir.resolve(name);
    try (var checkpoint = org.altdiffusion.io.pytorch.TorchCheckpoint.open(file)) {
      JsonNode step = e.get("global_step");
      assertEquals(
          step.isNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(step.asLong()),
          checkpoint.globalStep());
    }
    JsonNode diffusers = e.get("convert_from_ckpt");
    String prediction = diffusers.get("prediction_type").asText();
    ModelComponents m =
        SingleFileLoader.load(file, new SingleFileOptions(null, null, false, null, List.of()))
            .components();
    assertEquals(prediction, m.scheduler().predictionType(), name + " prediction type");
    assertEquals(
        diffusers.get("unet_sample_size").asInt(),
        m.unet().config.sampleSize(),
        name + " sample size");
    if (e.get("flat").asBoolean())
      assertEquals(
          e.get("from_single_file_legacy").get("prediction_type").asText(),
          prediction,
          "flat files: from_single_file sees the step too");
    String other = prediction.equals("epsilon") ? "v_prediction" : "epsilon";
    ModelComponents overridden =
        SingleFileLoader.load(file, new SingleFileOptions(null, other, false, null, List.of()))
            .components();
    assertEquals(other, overridden.scheduler().predictionType(), "--prediction-type wins");
  }

  @Test
  void sd2ShapesMeanV2VPrediction768() {
    String key = "model.diffusion_model.input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight";
    var source =
        org.altdiffusion.io.TensorSource.of(
            Map.of(
                key,
                org.bytedeco.pytorch.global.torch.zeros(320, 1024),
                LdmConfigs.UNET_CONV_IN,
                org.bytedeco.pytorch.global.torch.zeros(320, 4, 3, 3)));
    assertTrue(LdmConfigs.isV2(source));
    var none = java.util.OptionalLong.empty();
    assertEquals(
        "v_prediction", LdmConfigs.scheduler(source, none).get("prediction_type").asText());
    // SD 2 base's global_step means 512 epsilon; any other step 768 v-prediction
    var base = java.util.OptionalLong.of(875000);
    assertEquals("epsilon", LdmConfigs.scheduler(source, base).get("prediction_type").asText());
    var other = java.util.OptionalLong.of(110000);
    assertEquals(
        "v_prediction", LdmConfigs.scheduler(source, other).get("prediction_type").asText());
    var sd1 =
        org.altdiffusion.io.TensorSource.of(
            Map.of(
                key,
                org.bytedeco.pytorch.global.torch.zeros(320, 768),
                LdmConfigs.UNET_CONV_IN,
                org.bytedeco.pytorch.global.torch.zeros(320, 4, 3, 3)));
    assertFalse(LdmConfigs.isV2(sd1));
    assertEquals("epsilon", LdmConfigs.scheduler(sd1, none).get("prediction_type").asText());
    assertEquals("epsilon", LdmConfigs.scheduler(sd1, other).get("prediction_type").asText());
  }
}
