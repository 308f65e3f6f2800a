package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tokenizer.Encoding;
import org.altdiffusion.tokenizer.HfTokenizer;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Folders exactly as diffusers' save_pretrained writes them (tools/reference/make_saved_folder_
 * fixtures.py, issue #23), loaded with {@link PipelineLoader} and run as diffusers ran them: the
 * pictures must be at most 1/255 apart in any channel.
 *
 * <ul>
 *   <li>sd-dpm: scheduler_config.json holds {@code "lambda_min_clipped": -Infinity} (Python's json
 *       writes float('-inf') so); the tokenizer is CLIPTokenizerFast; float16 weights, a sharded
 *       text encoder.
 *   <li>altdiffusion-fast: model_index.json names XLMRobertaTokenizerFast and the folder holds both
 *       sentencepiece.bpe.model and tokenizer.json; pickled .bin weights, sharded text encoder.
 * </ul>
 *
 * The prompts are ones on which the slow and fast tokenizers disagree; the fixture records how far
 * the pictures move when the slow one is used (2.8 to 34/255), so a wrong choice fails here.
 */
class SavedFolderParityTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/saved");
  static final Map<String, DiffusionPipeline> pipelines = new HashMap<>();

  static synchronized DiffusionPipeline pipeline(String model) {
    return pipelines.computeIfAbsent(
        model,
        m -> {
          Torch.init();
          return PipelineLoader.load(DIR.resolve(m));
        });
  }

  @AfterAll
  static void release() {
    pipelines.clear();
  }

  static List<JsonNode> caseList() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    new ObjectMapper().readTree(DIR.resolve("cases.json").toFile()).get("cases").forEach(out::add);
    return out;
  }

  static Stream<Arguments> cases() throws Exception {
    return caseList().stream().map(c -> Arguments.of(c.get("name").asText(), c));
  }

  @Test
  void dpmSchedulerConfigAsDiffusersSavesItIsRead() {
    SchedulerConfig s = pipeline("sd-dpm").components().scheduler();
    assertEquals(SchedulerConfig.DPM_MULTISTEP, s.className());
    assertEquals(Double.NEGATIVE_INFINITY, s.lambdaMinClipped());
    assertEquals("scaled_linear", s.betaSchedule());
  }

  @Test
  void tokenizersAreTheFastClassesModelIndexNames() {
    for (String model : List.of("sd-dpm", "altdiffusion-fast")) {
      assertInstanceOf(
          HfTokenizer.class, pipeline(model).components().tokenizer(), model + " tokenizer");
    }
  }

  /** The folder's tokenizer gives the fast tokenizer's ids, not the slow one's. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void tokenIdsAreThoseOfTheClassModelIndexNames(String name, JsonNode c) {
    PromptTokenizer pipelineTokenizer = pipeline(c.get("model").asText()).components().tokenizer();
    // PromptTokenizer.load on the component folder alone finds the same class through the
    // parent's model_index.json
    PromptTokenizer folderTokenizer =
        PromptTokenizer.load(DIR.resolve(c.get("model").asText()).resolve("tokenizer"));
    for (String field : List.of("prompt", "negative_prompt")) {
      String text = c.get(field).asText();
      long[] fast = ids(c.get(field + "_fast_ids"));
      long[] slow = ids(c.get(field + "_slow_ids"));
      for (PromptTokenizer t : List.of(pipelineTokenizer, folderTokenizer)) {
        Encoding e = t.encode(text);
        assertArrayEquals(fast, Arrays.copyOf(e.ids(), e.length()), name + " " + field);
      }
      if (!Arrays.equals(fast, slow))
        System.out.printf(
            "saved folder %-20s %-15s fast ids %d, slow ids %d (differ)%n",
            name, field, fast.length, slow.length);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void sameImagesAsDiffusers(String name, JsonNode c) {
    GenerationRequest r =
        GenerationRequest.builder(c.get("prompt").asText())
            .negativePrompt(c.get("negative_prompt").asText())
            .sampler(c.get("sampler").isNull() ? null : c.get("sampler").asText())
            .steps(c.get("steps").asInt())
            .guidance(c.get("guidance").asDouble())
            .seed(c.get("seed").asLong())
            .batchSize(c.get("batch").asInt())
            .size(c.get("width").asInt(), c.get("height").asInt())
            .build();
    List<GeneratedImage> images =
        pipeline(c.get("model").asText()).generate(r, ProgressListener.NONE);
    double worst;
    try (var ref = SafeTensors.open(DIR.resolve(name + ".safetensors"))) {
      worst =
          ParityImages.maxDifference(
              images, Tensors.toFloats(ref.load("images")), r.size().width(), r.size().height());
    }
    System.out.printf(
        "saved folder parity %-20s max |ours - diffusers| = %.2f/255 (slow tokenizer: %.1f/255)%n",
        name, worst * 255, c.get("slow_max_diff").asDouble());
    assertEquals(r.batchSize(), images.size());
    assertTrue(worst <= 1.0 / 255 + 1e-6, name + ": max difference " + worst * 255 + "/255");
  }

  static long[] ids(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
    return out;
  }
}
