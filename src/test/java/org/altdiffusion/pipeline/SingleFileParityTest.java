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
    GenerationRequest request =
        GenerationRequest.builder(g.get("prompt").asText())
            .negativePrompt(g.get("negative_prompt").asText())
            .steps(g.get("steps").asInt())
            .guidance(g.get("guidance").asDouble())
            .seed(g.get("seed").asLong())
            .size(g.get("width").asInt(), g.get("height").asInt())
            .build();
    List<GeneratedImage> images = new DiffusionPipeline(m).generate(request, ProgressListener.NONE);
    float[] ours = pixels(images.get(0).image());
    float[] theirs;
    try (var ref = SafeTensors.open(dir.resolve("image.safetensors"))) {
      theirs = Tensors.toFloats(ref.load("images"));
    }
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
    assertEquals("v_prediction", LdmConfigs.scheduler(source).get("prediction_type").asText());
    var sd1 =
        org.altdiffusion.io.TensorSource.of(
            Map.of(
                key,
                org.bytedeco.pytorch.global.torch.zeros(320, 768),
                LdmConfigs.UNET_CONV_IN,
                org.bytedeco.pytorch.global.torch.zeros(320, 4, 3, 3)));
    assertFalse(LdmConfigs.isV2(sd1));
    assertEquals("epsilon", LdmConfigs.scheduler(sd1).get("prediction_type").asText());
  }
}
