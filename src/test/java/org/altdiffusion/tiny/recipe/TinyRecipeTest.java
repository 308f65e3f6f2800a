package org.altdiffusion.tiny.recipe;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.tiny.clip.TinyClip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipe's chain of stages on the quick settings: every model it writes loads by the real
 * loaders.
 */
class TinyRecipeTest {
  @Test
  void everyStageRunsAndWritesLoadableModels() throws Exception {
    Path out = QuickRecipe.folder();
    assertEquals(List.of(TinyRecipe.Stage.values()), QuickRecipe.summary().ran());
    DiffusionPipeline multilingual = PipelineLoader.load(out.resolve("altdiffusion-tiny"));
    DiffusionPipeline english = PipelineLoader.load(out.resolve("english-base"));
    assertEquals(
        "RobertaSeriesModelWithTransformation",
        multilingual.components().textEncoder().getClass().getSimpleName());
    assertEquals("ClipTextModel", english.components().textEncoder().getClass().getSimpleName());
    assertNotNull(TinyClip.load(out.resolve("teacher-clip")));
    var image =
        multilingual
            .generate(GenerationRequest.builder("一个红色的大圆形在左边").steps(2).seed(1L).build(), null)
            .get(0)
            .image();
    assertEquals(64, image.getWidth());
    String vaeConfig = Files.readString(out.resolve("vae/config.json"));
    assertFalse(
        vaeConfig.contains("\"scaling_factor\" : 1.0,"),
        "the VAE's scaling factor is measured, not left at 1: " + vaeConfig);
    for (TinyRecipe.Stage s : TinyRecipe.Stage.values())
      assertTrue(
          Files.isRegularFile(out.resolve("runs").resolve(s.key()).resolve("done.json")), s.key());
    assertTrue(Files.readString(out.resolve("recipe.json")).contains("\"total_seconds\""));
  }

  @Test
  void conceptAlignmentChangesOnlyCrossAttentionKeysAndValues() throws Exception {
    Path out = QuickRecipe.folder();
    List<String> changed = new ArrayList<>();
    try (TensorSource before =
            SafeTensors.open(out.resolve("english-base/unet/diffusion_pytorch_model.safetensors"));
        TensorSource after =
            SafeTensors.open(
                out.resolve("runs/alignment/final/unet/diffusion_pytorch_model.safetensors"))) {
      assertEquals(before.keys(), after.keys());
      for (String k : before.keys())
        if (Tensors.maxAbsDiff(before.load(k), after.load(k)) != 0) changed.add(k);
    }
    assertFalse(changed.isEmpty(), "concept alignment changed nothing");
    for (String k : changed)
      assertTrue(k.endsWith("attn2.to_k.weight") || k.endsWith("attn2.to_v.weight"), k);
  }

  @Test
  void finishedStagesAreNotRunAgainAndRestartRunsTheRest() throws Exception {
    Path out = QuickRecipe.folder();
    Path copy = Files.createTempDirectory("quick-recipe-copy");
    TinyModelFiles.copyTree(out, copy);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      assertEquals(
          List.of(), new TinyRecipe(copy, RecipeSettings.quick(), ps, false).run(null).ran());
      assertEquals(
          List.of(TinyRecipe.Stage.QUALITY),
          new TinyRecipe(copy, RecipeSettings.quick(), ps, false)
              .run(TinyRecipe.Stage.QUALITY)
              .ran());
      // Stopping after a re-run base leaves the later stages stale: the next run redoes them.
      assertEquals(
          List.of(TinyRecipe.Stage.BASE),
          new TinyRecipe(copy, RecipeSettings.quick(), ps, false)
              .run(TinyRecipe.Stage.BASE, TinyRecipe.Stage.BASE)
              .ran());
      assertEquals(
          List.of(TinyRecipe.Stage.ALIGNMENT, TinyRecipe.Stage.QUALITY),
          new TinyRecipe(copy, RecipeSettings.quick(), ps, false).run(null).ran());
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new TinyRecipe(copy, RecipeSettings.quick(), ps, false)
                  .run(TinyRecipe.Stage.QUALITY, TinyRecipe.Stage.BASE));
    }
    assertTrue(log.toString(StandardCharsets.UTF_8).contains("== teacher: done earlier"));
    TinyModelFiles.deleteTree(copy);
  }

  @Test
  void aCorruptedModelFileIsNamedInTheError(@TempDir Path tmp) throws Exception {
    Path model = tmp.resolve("altdiffusion-tiny");
    TinyModelFiles.copyTree(QuickRecipe.folder().resolve("altdiffusion-tiny"), model);
    Path weights = model.resolve("unet/diffusion_pytorch_model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> PipelineLoader.load(model));
    assertTrue(e.getMessage().contains("diffusion_pytorch_model.safetensors"), e.getMessage());
  }

  @Test
  void unknownStageListsTheStages() {
    var e = assertThrows(IllegalArgumentException.class, () -> TinyRecipe.Stage.parse("unet"));
    assertTrue(
        e.getMessage().contains("tokenizers, teacher, vae, student, base, alignment, quality"),
        e.getMessage());
  }

  @Test
  void settingsRefuseNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new RecipeSettings.Run(0, 4, 1e-3));
    assertThrows(IllegalArgumentException.class, () -> new RecipeSettings.Run(3, 4, 0));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new RecipeSettings.UNetSize(
                new int[] {32, 32}, new boolean[] {true, true, true}, 2, 1));
  }
}
