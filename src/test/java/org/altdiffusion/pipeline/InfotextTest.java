package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InfotextTest {

  @Test
  void formatsLikeAutomatic1111() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("Steps", "20");
    s.put("Sampler", "Euler a");
    s.put("CFG scale", "7");
    s.put("Seed", "1");
    s.put("Size", "512x512");
    s.put("Model", "m18, v2: test");
    Infotext t = new Infotext("a cat", "blurry", s);
    assertEquals(
        "a cat\n"
            + "Negative prompt: blurry\n"
            + "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model: \"m18, v2:"
            + " test\"",
        t.format());
  }

  @Test
  void omitsEmptyNegativePrompt() {
    assertEquals("x\nSteps: 1", new Infotext("x", "", Map.of("Steps", "1")).format());
  }

  @Test
  void roundTripsMultilineAndNonLatinText() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("Steps", "25");
    s.put("Sampler", "DPM++ 2M Karras");
    s.put("Seed", "42");
    s.put("Note", "line1\nline2, with \"quotes\"");
    Infotext t = new Infotext("一只猫\n在月亮上", "ぼやけた", s);
    Infotext back = Infotext.parse(t.format());
    assertEquals(t, back);
  }

  @Test
  void parsesA1111TextWithoutSettings() {
    Infotext t = Infotext.parse("just a prompt");
    assertEquals("just a prompt", t.prompt());
    assertTrue(t.settings().isEmpty());
  }
}
