package org.altdiffusion.lora;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A1111's {@code <lora:NAME:WEIGHT>} tags: parsed, taken out of the text, bad ones refused. */
class LoraPromptTest {
  @Test
  void tagsAreTakenOutLeavingTheTextAroundThemAsA1111Does() {
    LoraPrompt.Parsed p = LoraPrompt.parse("a cat <lora:style:0.8>, in a hat<lora:ink>");
    assertEquals("a cat , in a hat", p.prompt());
    assertEquals(
        List.of(
            new LoraPrompt.Tag("<lora:style:0.8>", "style", 0.8),
            new LoraPrompt.Tag("<lora:ink>", "ink", 1.0)),
        p.tags());
    assertEquals(
        "a cat , in a hat", LoraPrompt.strip("a cat <lora:style:0.8>, in a hat<lora:ink>"));
  }

  @Test
  void spacesSignsExponentsAndEqualThirdWeight() {
    LoraPrompt.Parsed p =
        LoraPrompt.parse("<lora: my style : -0.5 >x<lora:a:+.25:0.25> <lora:b:1e-1>");
    assertEquals("x ", p.prompt());
    assertEquals("my style", p.tags().get(0).name());
    assertEquals(-0.5, p.tags().get(0).unetWeight());
    assertEquals(-0.5, p.tags().get(0).textEncoderWeight());
    assertEquals(0.25, p.tags().get(1).unetWeight());
    assertEquals(0.1, p.tags().get(2).textEncoderWeight(), 1e-12);
  }

  @Test
  void separateTextEncoderAndUNetWeightsAsA1111() {
    // A1111's extra_networks_lora: te = 2nd positional (default 1), unet = 3rd (default te),
    // named te=/unet= override them
    assertEquals(
        List.of(
            new LoraPrompt.Tag("<lora:a:0.5:1>", "a", 0.5, 1.0),
            new LoraPrompt.Tag("<lora:b:unet=0.25>", "b", 1.0, 0.25),
            new LoraPrompt.Tag("<lora:c:0.7:te=0.1>", "c", 0.1, 0.1), // unet defaults to te
            new LoraPrompt.Tag("<lora:d:0.3:0.6:unet=0>", "d", 0.3, 0.0)),
        LoraPrompt.parse(
                "<lora:a:0.5:1><lora:b:unet=0.25><lora:c:0.7:te=0.1><lora:d:0.3:0.6:unet=0>")
            .tags());
  }

  @Test
  void textWithoutTagsAndOtherAngleBracketsIsLeftAlone() {
    String text = "a <b> tag, <hypernet:x:1>, <LORA:y:1>, <lora:>, 3 < 4 > 2";
    LoraPrompt.Parsed p = LoraPrompt.parse(text);
    assertEquals(text, p.prompt());
    assertTrue(p.tags().isEmpty());
    assertEquals(text, LoraPrompt.strip(text));
    assertEquals("", LoraPrompt.parse(null).prompt());
  }

  @Test
  void badTagsAreClearErrors() {
    assertEquals(
        "prompt: <lora:style:strong>: the weight 'strong' is not a number (write"
            + " <lora:NAME:WEIGHT>, e.g. <lora:style:0.8>)",
        error("a <lora:style:strong>"));
    assertTrue(error("<lora:style:>").contains("the weight '' is not a number"));
    assertTrue(error("<lora:style:NaN>").contains("is not a number"));
    assertTrue(error("<lora:style:Infinity>").contains("is not a number"));
    assertTrue(error("<lora:style:0.8f>").contains("is not a number"));
    assertTrue(error("<lora: :1>").contains("no LoRA name"));
    assertTrue(error("<lora:style:1:1:8>").contains("too many arguments"));
    assertTrue(error("<lora:style:dyn=8>").contains("'dyn=' is not supported"));
    assertTrue(error("<lora:style:unet=x>").contains("the weight 'x' is not a number"));
  }

  private static String error(String prompt) {
    return assertThrows(IllegalArgumentException.class, () -> LoraPrompt.parse(prompt))
        .getMessage();
  }
}
