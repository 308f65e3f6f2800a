package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.text.PromptOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A1111's prompt syntax through the pipeline on the built-in model: a prompt without any syntax
 * gives diffusers' image, a weight changes it, a 30-clause prompt is encoded whole (chunks) and
 * positive and negative prompts of different lengths are padded to each other.
 */
class PromptSyntaxTest {
  static DiffusionPipeline pipeline;

  @BeforeAll
  static void load() {
    Torch.init();
    pipeline = PipelineLoader.load(Path.of("models", "altdiffusion-tiny"));
  }

  static GenerationRequest.Builder request(String prompt) {
    return GenerationRequest.builder(prompt)
        .steps(3)
        .seed(5L)
        .size(32, 32)
        .promptOptions(PromptOptions.A1111);
  }

  static GeneratedImage generate(GenerationRequest r) {
    return pipeline.generate(r, null).get(0);
  }

  @Test
  void aPromptWithoutSyntaxGivesThePlainImage() {
    String prompt = "a red fox in the snow";
    GeneratedImage a1111 = generate(request(prompt).negativePrompt("blurry").build());
    GeneratedImage plain =
        generate(
            request(prompt).negativePrompt("blurry").promptOptions(PromptOptions.PLAIN).build());
    assertEquals(0, GenerateEachTest.maxChannelDiff(a1111.image(), plain.image()));
  }

  @Test
  void aWeightChangesThePicture() {
    GeneratedImage plain = generate(request("a red fox in the snow").build());
    GeneratedImage weighted = generate(request("a red (fox:1.4) in the snow").build());
    int diff = GenerateEachTest.maxChannelDiff(plain.image(), weighted.image());
    System.out.println("(fox:1.4) vs fox: max channel difference " + diff + "/255");
    assertTrue(diff > 0);
    assertEquals("a red (fox:1.4) in the snow", weighted.infotext().prompt(), "prompt as given");
  }

  @Test
  void thirtyClausesAreEncodedWhole() {
    String prompt =
        String.join(", ", Collections.nCopies(30, "a small wooden boat on the lake at dawn"));
    assertTrue(pipeline.truncatedTokens(prompt, PromptOptions.PLAIN) > 0);
    assertEquals(0, pipeline.truncatedTokens(prompt, PromptOptions.A1111));
    var text = pipeline.components().text();
    int chunks = text.chunks(prompt, PromptOptions.A1111, true).size();
    assertTrue(chunks > 5, chunks + " chunks");
    // the tail of the prompt matters: it changes the picture
    String longer = prompt + ", (a burning castle:1.5)";
    GeneratedImage a = generate(request(prompt).negativePrompt("blurry").build());
    GeneratedImage b = generate(request(longer).negativePrompt("blurry").build());
    assertTrue(GenerateEachTest.maxChannelDiff(a.image(), b.image()) > 0);
  }

  @Test
  void negativeLongerThanPositiveAndBatchesOfDifferentLengths() {
    String longNegative = String.join(", ", Collections.nCopies(20, "blurry low quality"));
    GeneratedImage img = generate(request("a cat").negativePrompt(longNegative).build());
    assertEquals(32, img.image().getWidth());
    List<GeneratedImage> batch =
        pipeline.generateEach(
            List.of("a cat", longNegative + " dog"), request("").negativePrompt("x").build(), null);
    assertEquals(2, batch.size());
    // as A1111 in a batch: the shorter prompt gets empty-prompt chunks, so it may differ from alone
  }

  @Test
  void refusesPromptEditingByName() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> generate(request("a [cat:dog:0.5]").build()));
    assertTrue(e.getMessage().contains("prompt editing '[cat:dog:0.5]'"), e.getMessage());
  }

  @Test
  void aHundredKilobytePromptIsRefusedClearly() {
    String big = "word ".repeat(20_000);
    var e = assertThrows(IllegalArgumentException.class, () -> generate(request(big).build()));
    assertTrue(e.getMessage().contains("100000 characters"), e.getMessage());
    String many = "word, ".repeat(6_000); // over 10,000 tokens
    var c = assertThrows(IllegalArgumentException.class, () -> generate(request(many).build()));
    assertTrue(c.getMessage().contains("10000 tokens"), c.getMessage());
  }
}
