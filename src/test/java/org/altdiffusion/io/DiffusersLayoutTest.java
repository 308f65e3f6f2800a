package org.altdiffusion.io;

import static org.altdiffusion.io.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny AltDiffusion pipeline folder as diffusers 0.30.3 saves it. */
class DiffusersLayoutTest {
  @TempDir Path tmp;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void parsesModelIndex() {
    DiffusersLayout layout = DiffusersLayout.open(PIPELINE);
    DiffusersLayout.ModelIndex index = layout.index();
    assertEquals("AltDiffusionPipeline", index.pipelineClass());
    assertEquals("0.30.3", index.diffusersVersion());
    assertEquals(
        List.of("scheduler", "text_encoder", "unet", "vae"),
        List.copyOf(index.components().keySet()));
    assertEquals(
        new DiffusersLayout.Component("unet", "diffusers", "UNet2DConditionModel"),
        index.components().get("unet"));
    assertEquals(
        new DiffusersLayout.Component(
            "text_encoder", "diffusers", "RobertaSeriesModelWithTransformation"),
        layout.component("text_encoder"));
    assertEquals(
        List.of("feature_extractor", "image_encoder", "safety_checker", "tokenizer"),
        index.absent());
    assertFalse(index.options().get("requires_safety_checker").asBoolean());
    assertEquals(
        "AltDiffusionPipeline",
        layout.requirePipeline("AltDiffusionPipeline", "StableDiffusionPipeline"));
    assertTrue(layout.optionalComponent("safety_checker").isEmpty());
  }

  @Test
  void findsWeightsInTheReferenceOrder() {
    DiffusersLayout layout = DiffusersLayout.open(PIPELINE);
    assertEquals(
        PIPELINE.resolve("unet/diffusion_pytorch_model.safetensors.index.json"),
        layout.weightsFile("unet", null));
    assertEquals(
        PIPELINE.resolve("vae/diffusion_pytorch_model.safetensors"),
        layout.weightsFile("vae", null));
    assertEquals(
        PIPELINE.resolve("vae/diffusion_pytorch_model.fp16.safetensors"),
        layout.weightsFile("vae", "fp16"));
    assertEquals(
        PIPELINE.resolve("text_encoder/pytorch_model.bin"),
        layout.weightsFile("text_encoder", null));
    assertEquals(
        DiffusersLayout.Naming.TRANSFORMERS,
        DiffusersLayout.naming(layout.component("text_encoder")));
    assertEquals(
        DiffusersLayout.Naming.DIFFUSERS, DiffusersLayout.naming(layout.component("unet")));
  }

  @Test
  void variantNamesAsEachLibrarySpellsThem() {
    // diffusers' and transformers' _add_variant, evaluated in the reference venv
    assertEquals(
        List.of(
            "diffusion_pytorch_model.safetensors.fp16.index.json",
            "diffusion_pytorch_model.fp16.safetensors",
            "diffusion_pytorch_model.fp16.bin",
            "diffusion_pytorch_model.bin.fp16.index.json"),
        DiffusersLayout.Naming.DIFFUSERS.candidates("fp16"));
    assertEquals(
        List.of(
            "model.fp16.safetensors",
            "model.safetensors.index.fp16.json",
            "pytorch_model.fp16.bin",
            "pytorch_model.bin.index.fp16.json"),
        DiffusersLayout.Naming.TRANSFORMERS.candidates("fp16"));
    // preference: diffusers sharded safetensors first, transformers single safetensors first
    assertEquals(
        List.of(
            "diffusion_pytorch_model.safetensors.index.json",
            "diffusion_pytorch_model.safetensors",
            "diffusion_pytorch_model.bin",
            "diffusion_pytorch_model.bin.index.json"),
        DiffusersLayout.Naming.DIFFUSERS.candidates(null));
    assertEquals(
        List.of(
            "model.safetensors",
            "model.safetensors.index.json",
            "pytorch_model.bin",
            "pytorch_model.bin.index.json"),
        DiffusersLayout.Naming.TRANSFORMERS.candidates(null));
  }

  @Test
  void opensComponentWeightsBitIdentical() {
    DiffusersLayout layout = DiffusersLayout.open(PIPELINE);
    JsonNode expected = json("pipeline.json");
    for (String[] c :
        new String[][] {
          {"vae", null, "vae"}, {"vae", "fp16", "vae.fp16"}, {"unet", null, "unet"}
        }) {
      JsonNode want = expected.get(c[2]);
      try (PointerScope scope = new PointerScope();
          TensorSource src = layout.openWeights(c[0], c[1])) {
        assertEquals(want.size(), src.keys().size(), c[2]);
        for (String key : src.keys()) {
          assertEquals(want.get(key).get("dtype").asText(), src.dtype(key), key);
          assertEquals(
              want.get(key).get("sha256").asText(),
              sha256(bytes(src.loadRaw(key))),
              c[2] + " " + key);
        }
      }
    }
  }

  @Test
  void readsComponentConfigs() {
    DiffusersLayout layout = DiffusersLayout.open(PIPELINE);
    assertEquals(8, layout.config("unet").integer("sample_size", -1));
    assertEquals(List.of(8, 16), layout.config("vae").integers("block_out_channels", null));
    JsonConfig scheduler = layout.config("scheduler");
    assertTrue(scheduler.file().endsWith("scheduler/scheduler_config.json"));
    assertEquals("PNDMScheduler", scheduler.string("_class_name", null));
    assertEquals(0.012, scheduler.real("beta_end", 0), 0);
    assertEquals(8, layout.config("text_encoder").integer("project_dim", -1));
  }

  // ---------------------------------------------------------------- errors

  @Test
  void notAPipelineFolder() throws IOException {
    String m =
        assertThrows(CheckpointException.class, () -> DiffusersLayout.open(tmp.resolve("nope")))
            .getMessage();
    assertTrue(
        m.contains("folder not found; expected a diffusers model folder holding model_index.json"),
        m);
    m = assertThrows(CheckpointException.class, () -> DiffusersLayout.open(tmp)).getMessage();
    assertTrue(m.contains("has no model_index.json: not a diffusers pipeline folder"), m);
    m =
        assertThrows(
                CheckpointException.class,
                () -> DiffusersLayout.open(PIPELINE.resolve("model_index.json")))
            .getMessage();
    assertTrue(m.contains("is a file; expected a diffusers model folder"), m);
  }

  @Test
  void malformedModelIndex() throws IOException {
    assertIndexError("{\"_class_name\": \"AltDiffusionPipeline\",}", "not valid JSON");
    assertIndexError("[]", "expected a JSON object");
    assertIndexError(
        "{\"unet\": [\"diffusers\", \"UNet2DConditionModel\"]}", "field '_class_name': missing");
    assertIndexError("{\"_class_name\": 3}", "field '_class_name': must be a string, got 3");
    assertIndexError(
        "{\"_class_name\": [\"pipeline\", \"MyPipeline\"]}", "names a custom pipeline");
    assertIndexError(
        "{\"_class_name\": \"P\", \"unet\": [\"diffusers\"]}",
        "field 'unet': a component must be [library, class], got [\"diffusers\"]");
    assertIndexError(
        "{\"_class_name\": \"P\", \"unet\": [\"diffusers\", null]}",
        "two strings, or null twice for none");
    assertIndexError(
        "{\"_class_name\": \"P\", \"_diffusers_version\": 30}",
        "field '_diffusers_version' must be a string, got 30");
  }

  @Test
  void malformedComponentConfig() throws IOException {
    Path copy = copyPipeline();
    Files.writeString(copy.resolve("unet/config.json"), "{\"sample_size\": 8,,}");
    DiffusersLayout layout = DiffusersLayout.open(copy);
    String m = assertThrows(CheckpointException.class, () -> layout.config("unet")).getMessage();
    assertTrue(m.startsWith(copy.resolve("unet/config.json") + ": not valid JSON"), m);
    Files.writeString(copy.resolve("unet/config.json"), "{\"sample_size\": 8} {}");
    m = assertThrows(CheckpointException.class, () -> layout.config("unet")).getMessage();
    assertTrue(m.contains("not valid JSON: Trailing token"), m);
    Files.writeString(copy.resolve("unet/config.json"), "{\"sample_size\": \"big\"}");
    m =
        assertThrows(
                CheckpointException.class, () -> layout.config("unet").integer("sample_size", 64))
            .getMessage();
    assertTrue(m.contains("field 'sample_size' must be an integer, got \"big\""), m);
    Files.delete(copy.resolve("scheduler/scheduler_config.json"));
    m = assertThrows(CheckpointException.class, () -> layout.config("scheduler")).getMessage();
    assertTrue(
        m.startsWith(
            copy.resolve("scheduler/scheduler_config.json")
                + ": config of component scheduler (diffusers.PNDMScheduler) not found"),
        m);
  }

  @Test
  void missingComponents() throws IOException {
    Path copy = copyPipeline();
    DiffusersLayout layout = DiffusersLayout.open(copy);
    String m =
        assertThrows(CheckpointException.class, () -> layout.component("controlnet")).getMessage();
    assertTrue(
        m.contains(
            "model_index.json: has no component 'controlnet'; it lists: scheduler, text_encoder,"
                + " unet, vae"),
        m);
    m = assertThrows(CheckpointException.class, () -> layout.component("tokenizer")).getMessage();
    assertTrue(
        m.contains("component 'tokenizer' is saved as [null, null] (none), but it is required"), m);
    deleteTree(copy.resolve("vae"));
    m = assertThrows(CheckpointException.class, () -> layout.weightsFile("vae", null)).getMessage();
    assertTrue(
        m.startsWith(
            copy.resolve("vae") + ": folder of component vae (diffusers.AutoencoderKL) not found"),
        m);
    Files.delete(copy.resolve("text_encoder/pytorch_model.bin"));
    m =
        assertThrows(CheckpointException.class, () -> layout.weightsFile("text_encoder", null))
            .getMessage();
    assertTrue(
        m.startsWith(
            copy.resolve("text_encoder")
                + ": no weights found; expected one of model.safetensors,"
                + " model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json,"
                + " diffusion_pytorch_model"),
        m);
    assertTrue(m.contains("the folder holds no .safetensors/.bin/.index.json file"), m);
  }

  @Test
  void missingVariantSaysWhatExists() throws IOException {
    DiffusersLayout layout = DiffusersLayout.open(PIPELINE);
    String m =
        assertThrows(CheckpointException.class, () -> layout.weightsFile("unet", "fp16"))
            .getMessage();
    assertTrue(
        m.contains(
            "no weights found for variant 'fp16'; expected one of"
                + " diffusion_pytorch_model.safetensors.fp16.index.json"),
        m);
    assertTrue(
        m.contains("the folder holds diffusion_pytorch_model-00001-of-00002.safetensors"), m);
    assertThrows(IllegalArgumentException.class, () -> layout.weightsFile("unet", "../x"));
    Path copy = copyPipeline();
    Files.delete(copy.resolve("vae/diffusion_pytorch_model.safetensors"));
    m =
        assertThrows(
                CheckpointException.class,
                () -> DiffusersLayout.open(copy).weightsFile("vae", null))
            .getMessage();
    assertTrue(
        m.contains(
            "the folder holds diffusion_pytorch_model.fp16.safetensors (a variant such as fp16 must"
                + " be asked for)"),
        m);
  }

  @Test
  void unsupportedClasses() {
    DiffusersLayout layout = DiffusersLayout.open(PIPELINE);
    String m =
        assertThrows(
                CheckpointException.class,
                () -> layout.component("scheduler", "DDIMScheduler", "EulerDiscreteScheduler"))
            .getMessage();
    assertTrue(
        m.contains(
            "component 'scheduler' is diffusers.PNDMScheduler, which is not supported; supported:"
                + " DDIMScheduler, EulerDiscreteScheduler"),
        m);
    assertEquals(
        "UNet2DConditionModel", layout.component("unet", "UNet2DConditionModel").className());
    m =
        assertThrows(
                CheckpointException.class,
                () -> layout.requirePipeline("StableDiffusionXLPipeline"))
            .getMessage();
    assertTrue(
        m.contains(
            "pipeline class 'AltDiffusionPipeline' is not supported; supported:"
                + " StableDiffusionXLPipeline"),
        m);
  }

  @Test
  void componentFolderWithoutModelIndex() {
    Path weights =
        DiffusersLayout.findWeights(
            PIPELINE.resolve("unet"), DiffusersLayout.Naming.DIFFUSERS, null);
    assertTrue(weights.endsWith("diffusion_pytorch_model.safetensors.index.json"));
    // a folder named by mistake with the other naming is still found
    assertEquals(
        PIPELINE.resolve("text_encoder/pytorch_model.bin"),
        DiffusersLayout.findWeights(
            PIPELINE.resolve("text_encoder"), DiffusersLayout.Naming.DIFFUSERS, null));
  }

  private void assertIndexError(String json, String expected) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "index");
    Files.writeString(dir.resolve("model_index.json"), json);
    String m =
        assertThrows(CheckpointException.class, () -> DiffusersLayout.open(dir)).getMessage();
    assertTrue(m.startsWith(dir.resolve("model_index.json") + ": "), m);
    assertTrue(m.contains(expected), "expected '" + expected + "' in: " + m);
  }

  private Path copyPipeline() {
    return copyTree(PIPELINE, tmp.resolve("pipeline"));
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) Files.delete(p);
    }
  }
}
