package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.pipeline.SamplerModesTest;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.tiny.recipe.QuickRecipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `samplers`, `eval --sampler`, and samplers refused by the CLI before any work. */
class SamplersCommandTest {
  @Test
  void listsEveryRowWithWhatItCannotDo() {
    var names = GenerateCommandTest.run("samplers", "--names");
    assertEquals(0, names.code(), names.err());
    assertEquals(Samplers.names(), names.out().lines().toList());
    var table = GenerateCommandTest.run("samplers");
    assertEquals(0, table.code(), table.err());
    assertTrue(
        table.out().contains("| Euler a | EulerAncestralDiscreteScheduler | k_euler_a,")
            && table.out().contains("| no sample (x0) prediction |")
            && table.out().contains("| TCD | TCDScheduler | tcd | - |")
            && table.out().contains("Schedule types (--schedule): Automatic, Karras"),
        table.out());
  }

  @Test
  void generateRefusesASamplerThatCannotPredictTheModelsWay(@TempDir Path tmp) throws Exception {
    Path x0 = SamplerModesTest.folderPredicting(tmp.resolve("x0"), "sample");
    var r =
        GenerateCommandTest.run(
            "generate",
            "--model",
            x0.toString(),
            "-p",
            "x",
            "--steps",
            "2",
            "-W",
            "32",
            "-H",
            "32",
            "--sampler",
            "DPM2",
            "--out",
            tmp.resolve("a.png").toString());
    assertEquals(1, r.code(), r.err());
    assertTrue(
        r.err().contains("'DPM2' cannot sample a model with sample (x0) prediction")
            && r.err().contains("samplers that can: DDIM, Euler,"),
        r.err());
    assertFalse(Files.exists(tmp.resolve("a.png")));
  }

  @Test
  void evalRefusesBadSamplerAndSubsetBeforeLoading(@TempDir Path tmp) {
    var unknown =
        GenerateCommandTest.run(
            "eval", "--sampler", "warp", "--model", tmp.toString(), "--out", tmp.toString());
    assertEquals(1, unknown.code(), unknown.err());
    assertTrue(unknown.err().contains("unknown sampler 'warp'; valid: \"PNDM\""), unknown.err());
    var one =
        GenerateCommandTest.run(
            "eval",
            "--prompts-per-language",
            "1",
            "--model",
            tmp.toString(),
            "--out",
            tmp.toString());
    assertEquals(1, one.code(), one.err());
    assertTrue(one.err().contains("--prompts-per-language must be at least 2"), one.err());
  }

  @Test
  void evalWithASamplerOnASubsetRecordsBoth(@TempDir Path tmp) throws Exception {
    Path models = QuickRecipe.folder();
    var r =
        GenerateCommandTest.run(
            "eval",
            "--model",
            models.resolve("altdiffusion-tiny").toString(),
            "--base",
            "none",
            "--clip",
            models.resolve("teacher-clip").toString(),
            "--languages",
            "en,de",
            "--steps",
            "2",
            "--sampler",
            "k_dpmpp_2m",
            "--schedule",
            "karras",
            "--prompts-per-language",
            "3",
            "--out",
            tmp.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode json = new ObjectMapper().readTree(tmp.resolve("eval.json").toFile());
    assertEquals("DPM++ 2M", json.get("sampler").asText());
    assertEquals("Karras", json.get("schedule").asText());
    assertEquals(3, json.get("prompts_per_language").asInt());
    JsonNode model = json.get("models").get(0);
    assertEquals(3, model.get("languages").get(1).get("images").asInt());
    assertTrue(model.get("generation_seconds").asDouble() > 0, model.toString());
    double mean =
        (model.get("languages").get(0).get("attribute_accuracy").asDouble()
                + model.get("languages").get(1).get("attribute_accuracy").asDouble())
            / 2;
    assertEquals(mean, model.get("mean_attribute_accuracy").asDouble(), 0.01);
    String md = Files.readString(tmp.resolve("eval.md"));
    assertTrue(
        md.contains("3 held-out combinations x 2 languages per model (a subset")
            && md.contains("sampler DPM++ 2M, schedule Karras, 2 steps"),
        md);
    assertFalse(Files.exists(tmp.resolve("grid-altdiffusion-tiny.png")));
  }
}
