package org.altdiffusion.models.text;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.Fixtures;
import org.altdiffusion.prompt.Embeddings;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Textual inversion against diffusers 0.30.3's {@code load_textual_inversion} (an A1111 .pt, an
 * A1111 .safetensors with emb_params, a diffusers learned_embeds file) on the tiny CLIP of
 * tools/reference/make_prompt_fixtures.py, and the refusals: a vector width the encoder does not
 * take, clip skip on XLM-R, a file with several tensors.
 */
class TextualInversionTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  static Path dir() {
    return Fixtures.dir("prompts");
  }

  static TextConditioning clip() {
    return TextConditioning.of(
        PromptTokenizer.load(Fixtures.dir("tokenizer/clip")),
        ClipTextModel.fromPretrained(dir().resolve("clip")));
  }

  static TextConditioning xlmr() {
    return TextConditioning.of(
        PromptTokenizer.load(Fixtures.dir("tokenizer/xlmr")),
        RobertaSeriesModelWithTransformation.fromPretrained(dir().resolve("xlmr")));
  }

  @Test
  void equalsDiffusersLoadTextualInversion() throws IOException {
    TextConditioning text = clip();
    Embeddings embeddings = Embeddings.folder(dir().resolve("embeddings"));
    PromptOptions options = PromptOptions.A1111.withEmbeddings(embeddings);
    JsonNode meta = new ObjectMapper().readTree(dir().resolve("textual_inversion.json").toFile());
    double worst = 0;
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard();
        TensorSource z = SafeTensors.open(dir().resolve("textual_inversion.safetensors"))) {
      for (JsonNode c : meta.get("cases")) {
        String prompt = c.get("prompt").textValue();
        assertFalse(text.chunks(prompt, options, true).get(0).fixes().isEmpty(), prompt);
        Tensor expected = z.load(c.get("z").textValue());
        Tensor actual = text.encodePrompt(prompt, options, true);
        double diff = Tensors.maxAbsDiff(actual, expected);
        worst = Math.max(worst, diff);
        assertTrue(diff < 1e-5, prompt + ": " + diff);
      }
    }
    System.out.printf(
        "textual inversion vs diffusers load_textual_inversion: %d prompts, max abs diff %.3e%n",
        meta.get("cases").size(), worst);
  }

  @Test
  void listsTheFolderAndReadsEachFormat() {
    Embeddings embeddings = Embeddings.folder(dir().resolve("embeddings"));
    Map<String, Long> counts = new java.util.TreeMap<>();
    for (Embeddings.Entry e : embeddings.entries())
      counts.put(e.name(), (long) embeddings.load(e).count());
    assertEquals(Map.of("ticoncept", 1L, "tiobject", 1L, "tistyle", 2L, "tiwide", 1L), counts);
  }

  @Test
  void refusesAWidthTheEncoderDoesNotTake() {
    TextConditioning text = xlmr();
    PromptOptions options =
        PromptOptions.A1111.withEmbeddings(Embeddings.folder(dir().resolve("embeddings")));
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> text.encodePrompt("a photo of tiwide", options, true));
      assertTrue(e.getMessage().contains("'tiwide'"), e.getMessage());
      assertTrue(e.getMessage().contains("width 24"), e.getMessage());
      assertTrue(e.getMessage().contains("RobertaSeriesModelWithTransformation"), e.getMessage());
    }
  }

  @Test
  void clipSkipIsRefusedForXlmRobertaByName() {
    TextConditioning text = xlmr();
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> text.encodePrompt("a cat", PromptOptions.A1111.withClipSkip(2), true));
      assertTrue(e.getMessage().contains("RobertaSeriesModelWithTransformation"), e.getMessage());
    }
  }

  @Test
  void clipSkipBeyondTheLayersIsRefused() {
    TextConditioning text = clip();
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> text.encodePrompt("a cat", PromptOptions.A1111.withClipSkip(4), true));
      assertTrue(e.getMessage().contains("between 1 and 3"), e.getMessage());
    }
  }

  @Test
  void refusesAFileWithSeveralTensors(@TempDir Path tmp) throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("emb"));
    try (PointerScope scope = new PointerScope()) {
      SafeTensors.write(
          folder.resolve("twoterms.safetensors"),
          Map.of(
              "clip_l",
              Tensors.fromFloats(new float[16], 1, 16),
              "clip_g",
              Tensors.fromFloats(new float[16], 1, 16)),
          Map.of());
    }
    Embeddings embeddings = Embeddings.folder(folder);
    var e =
        assertThrows(RuntimeException.class, () -> embeddings.load(embeddings.entries().get(0)));
    assertTrue(e.getMessage().contains("'twoterms'"), e.getMessage());
    assertTrue(e.getMessage().contains("2 tensors"), e.getMessage());
  }
}
