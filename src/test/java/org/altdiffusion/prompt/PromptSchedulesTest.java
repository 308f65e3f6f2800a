package org.altdiffusion.prompt;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Prompt editing, alternation and AND are refused by name; ordinary brackets pass. */
class PromptSchedulesTest {
  @Test
  void refusesPromptEditing() {
    for (String p :
        new String[] {
          "a [cat:dog:0.5] photo",
          "a [dog:10]",
          "a [cat::0.4]",
          "[(a:2):3]",
          "a[b:[c:d:2]:1]e",
          "[x: 3]"
        }) {
      var e = assertThrows(IllegalArgumentException.class, () -> PromptSchedules.check(p, true), p);
      assertTrue(e.getMessage().contains("prompt editing"), e.getMessage());
      assertTrue(e.getMessage().contains("plain"), e.getMessage());
    }
  }

  @Test
  void refusesAlternationInEitherPrompt() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> PromptSchedules.check("[cat|dog]", false));
    assertTrue(e.getMessage().startsWith("negative prompt: alternation '[cat|dog]'"));
  }

  @Test
  void refusesAndInThePositivePromptOnly() {
    assertThrows(IllegalArgumentException.class, () -> PromptSchedules.check("a AND b", true));
    assertDoesNotThrow(() -> PromptSchedules.check("a AND b", false));
    assertDoesNotThrow(() -> PromptSchedules.check("sand and ANDROID", true));
  }

  @Test
  void acceptsEmphasisEscapesAndUnbalancedBrackets() {
    for (String p :
        new String[] {
          "(x:1.3)",
          "[x]",
          "[[x]]",
          "[a:b]",
          "\\[a:b:0.5\\]",
          "a | b",
          "(a|b)",
          "[unbalanced",
          "x]:3]",
          "((a][:b:c",
          "[a (b:1.2)]"
        }) assertTrue(PromptSchedules.unsupported(p, true).isEmpty(), p);
  }

  @Test
  void manyBracketsTakeOnePass() {
    String p = "[".repeat(100_000);
    long start = System.nanoTime();
    assertTrue(PromptSchedules.unsupported(p, true).isEmpty());
    assertTrue((System.nanoTime() - start) / 1e9 < 2);
  }
}
