package org.altdiffusion.models.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Npz;
import org.altdiffusion.nn.StateDictException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AltCLIPModel and CLIPModel on tiny random configs (make_clip_fixtures.py) equal transformers
 * 4.44.2: text and image embeddings and logits within 1e-5.
 */
class ClipModelsParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/clip");
  static final Map<String, Npz.Array> OUT = Npz.read(DIR.resolve("outputs.npz"));

  @Test
  void altClipEqualsTransformers() {
    AltClipModel model = AltClipModel.fromPretrained(DIR.resolve("altclip"));
    try {
      check("altclip", model);
    } finally {
      model.clear();
    }
  }

  @Test
  void clipEqualsTransformers() {
    ClipModel model = ClipModel.fromPretrained(DIR.resolve("clip"));
    try {
      check("clip", model);
    } finally {
      model.clear();
    }
  }

  @Test
  void refusesAFolderOfTheOtherKindAndMissingWeights(@TempDir Path tmp) throws Exception {
    var e =
        assertThrows(
            CheckpointException.class, () -> AltClipModel.fromPretrained(DIR.resolve("clip")));
    assertTrue(e.getMessage().contains("'clip' is not an AltCLIP model"), e.getMessage());
    Files.copy(DIR.resolve("altclip/config.json"), tmp.resolve("config.json"));
    assertThrows(RuntimeException.class, () -> AltClipModel.fromPretrained(tmp));
  }

  @Test
  void loadingIsStrict() {
    Path dir = DIR.resolve("altclip");
    var config = org.altdiffusion.io.JsonConfig.read(dir.resolve("config.json"));
    // one layer fewer in the vision tower than the checkpoint has
    var vision = ClipVisionConfig.from(config);
    var smaller =
        new ClipVisionConfig(
            vision.hiddenSize(),
            vision.intermediateSize(),
            vision.numAttentionHeads(),
            1,
            vision.numChannels(),
            vision.imageSize(),
            vision.patchSize(),
            vision.hiddenAct(),
            vision.layerNormEps());
    AltClipModel model = new AltClipModel(AltClipTextModel.from(config), smaller, 16);
    try (var weights = org.altdiffusion.models.text.TextEncoderFiles.openWeights(dir)) {
      var e = assertThrows(StateDictException.class, () -> model.load(weights));
      assertTrue(
          e.getMessage().contains("vision_model.encoder.layers.1.mlp.fc1.weight"), e.getMessage());
    }
  }

  static void check(String name, ContrastiveModel model) {
    try (PointerScope s = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Tensor ids = longs(OUT.get("input_ids"));
      Tensor mask = longs(OUT.get("attention_mask"));
      Tensor pixels = floats(OUT.get("pixel_values"));
      Tensor text = model.textEmbeds(ids, mask);
      Tensor image = model.imageEmbeds(pixels);
      assertClose(OUT.get(name + "_text_embeds"), text, name + " text");
      assertClose(OUT.get(name + "_image_embeds"), image, name + " image");
      assertClose(
          OUT.get(name + "_logits_per_image"), model.logitsPerImage(image, text), name + " logits");
    }
  }

  static void assertClose(Npz.Array expected, Tensor actual, String what) {
    assertClose(expected, actual, what, 1e-5);
  }

  static void assertClose(Npz.Array expected, Tensor actual, String what, double tolerance) {
    float[] a = Tensors.toFloats(actual);
    assertEquals(Arrays.toString(expected.shape()), Arrays.toString(Tensors.shape(actual)), what);
    double max = 0;
    for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - expected.values()[i]));
    System.out.println(what + ": max |diff| " + max);
    assertTrue(max < tolerance, what + ": max |diff| " + max);
  }

  static Tensor longs(Npz.Array a) {
    return Tensors.fromLongs(
        Arrays.stream(a.values()).mapToLong(v -> (long) v).toArray(), a.shape());
  }

  static Tensor floats(Npz.Array a) {
    float[] f = new float[a.values().length];
    for (int i = 0; i < f.length; i++) f[i] = (float) a.values()[i];
    return Tensors.fromFloats(f, a.shape());
  }
}
