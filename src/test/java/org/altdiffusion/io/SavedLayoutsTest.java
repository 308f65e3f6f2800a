package org.altdiffusion.io;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.text.RobertaSeriesConfig;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every weights layout diffusers' and transformers' save_pretrained write
 * (tools/reference/make_saved_folder_fixtures.py, layouts/): plain safetensors, variant "fp16",
 * sharded with an index, sharded with a variant (diffusers: {@code
 * x-00001-of-00002.fp16.safetensors} + {@code x.safetensors.fp16.index.json}; transformers: {@code
 * model.fp16-00001-of-00002 .safetensors} + {@code model.safetensors.index.fp16.json}),
 * safe_serialization=False (.bin), sharded .bin, and float16 weights under the default name. For
 * each: the file the reference picks, the same tensors as the plain folder (float16 ones rounded),
 * and the model loads strictly.
 */
class SavedLayoutsTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/saved/layouts");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @TestFactory
  Stream<DynamicTest> everySavedLayoutLoads() throws IOException {
    JsonNode records = new ObjectMapper().readTree(DIR.resolve("layouts.json").toFile());
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode r : records)
      tests.add(DynamicTest.dynamicTest(r.get("folder").asText(), () -> check(r)));
    return tests.stream();
  }

  @Test
  void indexNamesWithAVariantAsEitherLibrarySpellsThem() {
    for (String index :
        List.of(
            "diffusion_pytorch_model.safetensors.index.json",
            "diffusion_pytorch_model.safetensors.fp16.index.json",
            "model.safetensors.index.fp16.json",
            "pytorch_model.bin.index.ema.json")) assertTrue(Checkpoints.isIndexName(index), index);
    for (String other :
        List.of("model_index.json", "model.fp16.safetensors", "index.json", "config.json"))
      assertFalse(Checkpoints.isIndexName(other), other);
  }

  private static void check(JsonNode r) {
    String model = r.get("model").asText();
    Path folder = DIR.resolve(r.get("folder").asText());
    String variant = r.get("variant").isNull() ? null : r.get("variant").asText();
    DiffusersLayout.Naming naming =
        model.equals("vae")
            ? DiffusersLayout.Naming.DIFFUSERS
            : DiffusersLayout.Naming.TRANSFORMERS;
    Path weights = DiffusersLayout.findWeights(folder, naming, variant);
    assertEquals(r.get("weights").asText(), weights.getFileName().toString(), "weights file");
    boolean half = variant != null || r.get("folder").asText().endsWith("-half");
    Path plain = DIR.resolve(model + "-plain");
    try (PointerScope scope = new PointerScope();
        TensorSource src = Checkpoints.open(weights);
        TensorSource ref = Checkpoints.open(DiffusersLayout.findWeights(plain, naming, null))) {
      assertEquals(new TreeSet<>(ref.keys()), new TreeSet<>(src.keys()), "tensor names");
      Set<String> dtypes = new TreeSet<>();
      for (String key : ref.keys()) {
        dtypes.add(src.dtype(key));
        float[] got = Tensors.toFloats(src.load(key));
        float[] want = Tensors.toFloats(ref.load(key));
        assertEquals(want.length, got.length, key);
        for (int i = 0; i < want.length; i++) {
          // float16 keeps 11 significant bits: within half an ulp of the float32 value
          double tolerance = half ? Math.abs(want[i]) * 0x1p-11 + 0x1p-25 : 0;
          assertEquals(want[i], got[i], tolerance, key + "[" + i + "]");
        }
      }
      assertEquals(Set.of(half ? "F16" : "F32"), dtypes, "stored dtypes");
      // the model takes them: names and shapes checked strictly, floats widened to float32
      if (model.equals("vae")) {
        new AutoencoderKL(AutoencoderKLConfig.read(folder.resolve("config.json")))
            .loadCheckpoint(src);
        if (variant == null) AutoencoderKL.fromPretrained(folder);
      } else {
        new RobertaSeriesModelWithTransformation(
                RobertaSeriesConfig.read(folder.resolve("config.json")))
            .load(src);
        if (variant == null) RobertaSeriesModelWithTransformation.fromPretrained(folder);
      }
    }
  }
}
