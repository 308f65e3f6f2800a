package org.altdiffusion.models.text;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.Fixtures;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.prompt.Embeddings;
import org.altdiffusion.prompt.PromptAttention;
import org.altdiffusion.prompt.PromptChunker;
import org.altdiffusion.prompt.PromptSchedules;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A1111's prompt syntax against the oracle of tools/reference/make_prompt_fixtures.py (A1111's
 * parse_prompt_attention, tokenize_line, process_tokens and "Original" emphasis, written from its
 * source): over 300 prompts (nesting, escapes, unbalanced brackets, BREAK, commas near chunk ends,
 * 18 languages, over 225 tokens) on a tiny CLIP, a tiny XLM-R and the built-in model's encoder.
 * Runs, chunks, multipliers and embedding placements must be identical; weighted embeddings within
 * 1e-5 (of max(1, the largest |value|): weights up to 100 scale the vectors).
 */
class A1111PromptParityTest {
  static final double TOLERANCE = 1e-5;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  static TextConditioning clip() {
    return TextConditioning.of(
        PromptTokenizer.load(Fixtures.dir("tokenizer/clip")),
        ClipTextModel.fromPretrained(Fixtures.dir("prompts").resolve("clip")));
  }

  /** The hand-written edge cases (the first 90 prompts) in the default suite. */
  @Test
  void clipEdgeCasesMatchA1111() throws IOException {
    check("clip", clip(), Embeddings.folder(Fixtures.dir("prompts").resolve("embeddings")), 90);
  }

  @Test
  @Tag("slow")
  void clipMatchesA1111() throws IOException {
    check("clip", clip(), Embeddings.folder(Fixtures.dir("prompts").resolve("embeddings")));
  }

  @Test
  @Tag("slow")
  void xlmRobertaMatchesA1111() throws IOException {
    Path dir = Fixtures.dir("prompts");
    TextConditioning text =
        TextConditioning.of(
            PromptTokenizer.load(Fixtures.dir("tokenizer/xlmr")),
            RobertaSeriesModelWithTransformation.fromPretrained(dir.resolve("xlmr")));
    check("xlmr", text, Embeddings.folder(dir.resolve("embeddings")));
  }

  @Test
  @Tag("slow")
  void builtInModelMatchesA1111() throws IOException {
    TextConditioning text = PipelineLoader.text(Path.of("models", "altdiffusion-tiny"));
    assertEquals(30, text.chunkLength(), "the built-in model's 32-token window");
    check("builtin", text, Embeddings.none());
  }

  private static void check(String set, TextConditioning text, Embeddings embeddings)
      throws IOException {
    check(set, text, embeddings, Integer.MAX_VALUE);
  }

  private static void check(String set, TextConditioning text, Embeddings embeddings, int limit)
      throws IOException {
    Path dir = Fixtures.dir("prompts");
    JsonNode meta = new ObjectMapper().readTree(dir.resolve(set + ".json").toFile());
    assertEquals(meta.get("chunk_length").intValue(), text.chunkLength());
    int cases = 0;
    int compared = 0;
    int multiChunk = 0;
    int refused = 0;
    double worst = 0;
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard();
        TensorSource z = SafeTensors.open(dir.resolve(set + ".safetensors"))) {
      for (JsonNode c : meta.get("cases")) {
        if (cases == limit) break;
        cases++;
        String prompt = c.get("prompt").textValue();
        int clipSkip = c.path("clip_skip").asInt(1);
        PromptOptions options = new PromptOptions(PromptOptions.Syntax.A1111, clipSkip, embeddings);
        if (PromptSchedules.unsupported(prompt, true).isPresent()) {
          // A1111 would schedule it ([x:2] is prompt editing): refused here, by name
          assertThrows(IllegalArgumentException.class, () -> text.chunks(prompt, options, true));
          refused++;
          continue;
        }
        if (c.has("error")) {
          assertThrows(
              IllegalArgumentException.class,
              () -> text.chunks(prompt, options, true),
              "A1111 fails on " + prompt);
          continue;
        }
        assertEquals(runs(c.get("runs")), PromptAttention.parse(prompt), "runs of " + prompt);
        List<PromptChunker.Chunk> chunks = text.chunks(prompt, options, true);
        assertEquals(c.get("chunks").size(), chunks.size(), "chunk count of " + prompt);
        if (chunks.size() > 1) multiChunk++;
        for (int i = 0; i < chunks.size(); i++) {
          PromptChunker.Chunk chunk = chunks.get(i);
          assertArrayEquals(ints(c.get("chunks").get(i)), chunk.tokens(), "tokens of " + prompt);
          assertArrayEquals(
              weights(c.get("weights").get(i), chunk.tokens().length),
              chunk.multipliers(),
              "weights of " + prompt);
          JsonNode fixes = c.get("fixes").get(i);
          assertEquals(fixes.size(), chunk.fixes().size(), "embeddings in " + prompt);
          for (int f = 0; f < fixes.size(); f++) {
            assertEquals(fixes.get(f).get(0).intValue(), chunk.fixes().get(f).position());
            assertEquals(fixes.get(f).get(1).textValue(), chunk.fixes().get(f).embedding().name());
          }
        }
        if (c.get("z").isNull()) continue;
        try (PointerScope s = new PointerScope()) {
          Tensor expected = z.load(c.get("z").textValue());
          Tensor actual = text.encodePrompt(prompt, options, true);
          assertArrayEquals(Tensors.shape(expected), Tensors.shape(actual), prompt);
          // 1e-5 of the vectors' size (at least 1e-5): a weight of 100 scales them by 100
          double scale = Math.max(1.0, expected.abs().max().item_double());
          double diff = Tensors.maxAbsDiff(actual, expected) / scale;
          worst = Math.max(worst, diff);
          assertTrue(
              diff < TOLERANCE, "embedding of '" + prompt + "' differs by " + diff + " x " + scale);
          compared++;
        }
      }
    }
    System.out.printf(
        "A1111 prompts (%s): %d prompts (%d refused as prompt editing), %d of several chunks,"
            + " identical tokens; %d embeddings, max diff %.3e (relative to max(1, max |ref|))%n",
        set, cases, refused, multiChunk, compared, worst);
    assertTrue(refused <= 2, refused + " prompts refused");
    if (limit == Integer.MAX_VALUE) assertTrue(cases >= 300, "at least 300 prompts");
  }

  private static List<PromptAttention.Run> runs(JsonNode runs) {
    List<PromptAttention.Run> out = new ArrayList<>();
    for (JsonNode r : runs)
      out.add(new PromptAttention.Run(r.get(0).textValue(), r.get(1).doubleValue()));
    return out;
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).intValue();
    return out;
  }

  /** [[position, weight], ...] (the positions whose weight is not 1) as a full array. */
  private static double[] weights(JsonNode pairs, int length) {
    double[] out = new double[length];
    java.util.Arrays.fill(out, 1.0);
    for (JsonNode p : pairs) out[p.get(0).intValue()] = p.get(1).doubleValue();
    return out;
  }
}
