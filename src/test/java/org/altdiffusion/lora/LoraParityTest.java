package org.altdiffusion.lora;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.pipeline.ProgressListener;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LoRAs end to end against diffusers + peft (tools/reference/make_lora_fixtures.py): the tiny
 * AltDiffusion folder with a kohya LoCon file, a PEFT file, both at weights 0.7 and -0.3, and a
 * LoRA of UNet and text-encoder layers with separate weights (diffusers' per-component {@code
 * set_adapters}) must give diffusers' pictures within 1/255; the pictures must differ clearly from
 * the same request without LoRAs, and every weight must be bit for bit as before once the
 * generation is over. The same on an SD 2.x-style model (fixtures/lora_sd2: linear
 * proj_in/proj_out, per-block heads, 48-wide cross-attention from a gelu CLIP text encoder,
 * v-prediction DDIM) with kohya LoCon and PEFT files that also change CLIP text-encoder layers.
 */
class LoraParityTest {
  static final Path SD1 = Path.of("src/test/resources/fixtures/lora");
  static final Path SD2 = Path.of("src/test/resources/fixtures/lora_sd2");
  static final Map<Path, DiffusionPipeline> PIPELINES = new LinkedHashMap<>();

  @BeforeAll
  static void load() {
    Torch.init();
    PIPELINES.put(
        SD1,
        PipelineLoader.load(Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion")));
    PIPELINES.put(SD2, PipelineLoader.load(SD2.resolve("tiny-sd2")));
  }

  static Stream<Arguments> cases() throws Exception {
    List<Arguments> out = new ArrayList<>();
    for (Path dir : List.of(SD1, SD2))
      new ObjectMapper()
          .readTree(dir.resolve("cases.json").toFile())
          .forEach(
              c ->
                  out.add(
                      Arguments.of(
                          (dir == SD1 ? "sd1 " : "sd2 ") + c.get("name").asText(), dir, c)));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void sameImagesAsDiffusersAndWeightsRestored(String label, Path dir, JsonNode c)
      throws Exception {
    DiffusionPipeline pipeline = PIPELINES.get(dir);
    String name = c.get("name").asText();
    List<LoraSpec> loras = new ArrayList<>();
    for (JsonNode l : c.get("loras"))
      loras.add(
          new LoraSpec(
              dir.resolve(l.get("file").asText()),
              l.get("text_encoder_weight").asDouble(),
              l.get("unet_weight").asDouble()));
    GenerationRequest plain =
        GenerationRequest.builder(c.get("prompt").asText())
            .negativePrompt(c.get("negative_prompt").asText())
            .steps(c.get("steps").asInt())
            .guidance(c.get("guidance").asDouble())
            .seed(c.get("seed").asLong())
            .batchSize(c.get("batch").asInt())
            .size(c.get("width").asInt(), c.get("height").asInt())
            .build();
    GenerationRequest withLoras = plain.toBuilder().loras(loras).build();
    Map<String, Tensor> before = snapshot(pipeline);

    List<GeneratedImage> images = pipeline.generate(withLoras, ProgressListener.NONE);

    Map<String, Tensor> after = snapshot(pipeline);
    for (String k : before.keySet())
      assertTrue(before.get(k).equal(after.get(k)), k + " is not restored bit for bit");
    double worst;
    try (var ref = SafeTensors.open(dir.resolve(name + ".safetensors"))) {
      worst =
          maxDiff(
              images,
              Tensors.toFloats(ref.load("images")),
              plain.size().width(),
              plain.size().height());
    }
    double effect =
        maxDiff(
            images,
            pixels(pipeline.generate(plain, ProgressListener.NONE)),
            plain.size().width(),
            plain.size().height());
    System.out.printf(
        "lora parity %-20s max |ours - diffusers| = %.5f (x255 = %.2f); change from no LoRA %.3f%n",
        label, worst, worst * 255, effect);
    assertEquals(plain.batchSize(), images.size());
    assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": max difference " + worst * 255 + "/255");
    assertTrue(effect > 0.05, name + ": the LoRAs change the picture by only " + effect);
    // A1111's hashes, computed by the reference script with A1111's own function
    JsonNode hashes = new ObjectMapper().readTree(dir.resolve("hashes.json").toFile());
    List<String> shown = new ArrayList<>();
    for (JsonNode l : c.get("loras")) {
      String file = l.get("file").asText();
      shown.add(
          file.replace(".safetensors", "") + ": " + hashes.get(file).asText().substring(0, 12));
    }
    String info = images.get(0).infotext().format();
    assertTrue(info.contains("Lora hashes: \"" + String.join(", ", shown) + "\""), info);
  }

  /**
   * Every layer of the SD 2.x-style files is found, on the UNet (the linear proj_in/proj_out among
   * them) and on the CLIP text encoder, without a warning: the parity above is not reached by
   * skipping layers.
   */
  @org.junit.jupiter.api.Test
  void sd2FilesApplyEveryLayerWithoutWarning() {
    DiffusionPipeline pipeline = PIPELINES.get(SD2);
    List<LoraTarget> targets =
        List.of(
            new LoraTarget(LoraTarget.UNET, pipeline.components().unet()),
            new LoraTarget(
                LoraTarget.TEXT_ENCODER,
                (org.altdiffusion.nn.Module) pipeline.components().textEncoder()));
    // file -> {UNet layers, text-encoder layers, linear proj_in/proj_out layers}
    Map<String, int[]> expected =
        Map.of("kohya_locon", new int[] {12, 2, 4}, "peft", new int[] {5, 1, 2});
    for (var e : expected.entrySet()) {
      List<String> warnings = new ArrayList<>();
      LoraFile file =
          LoraFile.read(SD2.resolve(e.getKey() + ".safetensors"), targets, warnings::add);
      try {
        int unet = 0, te = 0, proj = 0;
        for (LoraFile.Layer l : file.layers()) {
          if (l.component().equals(LoraTarget.UNET)) unet++;
          else te++;
          if (l.path().matches(".*\\.proj_(in|out)$")) {
            assertEquals(2, l.weight().shape().length, l.path() + " is a Linear layer in SD 2.x");
            proj++;
          }
        }
        assertArrayEquals(e.getValue(), new int[] {unet, te, proj}, e.getKey());
        assertEquals(List.of(), warnings, e.getKey());
      } finally {
        file.release();
      }
    }
  }

  private static Map<String, Tensor> snapshot(DiffusionPipeline pipeline) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    pipeline
        .components()
        .unet()
        .stateDict()
        .forEach((k, v) -> out.put("unet." + k, v.detach().clone()));
    if (pipeline.components().textEncoder() instanceof org.altdiffusion.nn.Module encoder)
      encoder.stateDict().forEach((k, v) -> out.put("text_encoder." + k, v.detach().clone()));
    return out;
  }

  /** [B, H, W, 3] in [0, 1] as floats. */
  private static float[] pixels(List<GeneratedImage> images) {
    BufferedImage first = images.get(0).image();
    int w = first.getWidth();
    int h = first.getHeight();
    float[] out = new float[images.size() * h * w * 3];
    for (int b = 0; b < images.size(); b++)
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
          int rgb = images.get(b).image().getRGB(x, y);
          int base = ((b * h + y) * w + x) * 3;
          out[base] = ((rgb >> 16) & 255) / 255f;
          out[base + 1] = ((rgb >> 8) & 255) / 255f;
          out[base + 2] = (rgb & 255) / 255f;
        }
    return out;
  }

  private static double maxDiff(List<GeneratedImage> images, float[] expected, int w, int h) {
    float[] ours = pixels(images);
    assertEquals(expected.length, ours.length);
    double worst = 0;
    for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - expected[i]));
    return worst;
  }
}
