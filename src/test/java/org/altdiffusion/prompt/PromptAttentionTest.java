package org.altdiffusion.prompt;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.altdiffusion.prompt.PromptAttention.Run;
import org.junit.jupiter.api.Test;

/** A1111's parse_prompt_attention, from its doctests and its lenient handling of bad brackets. */
class PromptAttentionTest {
  static Run run(String text, double weight) {
    return new Run(text, weight);
  }

  @Test
  void a1111Doctests() {
    assertEquals(List.of(run("normal text", 1.0)), PromptAttention.parse("normal text"));
    assertEquals(
        List.of(run("an ", 1.0), run("important", 1.1), run(" word", 1.0)),
        PromptAttention.parse("an (important) word"));
    assertEquals(List.of(run("unbalanced", 1.1)), PromptAttention.parse("(unbalanced"));
    assertEquals(List.of(run("(literal]", 1.0)), PromptAttention.parse("\\(literal\\]"));
    assertEquals(
        List.of(run("unnecessaryparens", 1.1)), PromptAttention.parse("(unnecessary)(parens)"));
    assertEquals(
        List.of(
            run("a ", 1.0),
            run("house", 1.5730000000000004),
            run(" ", 1.1),
            run("on", 1.0),
            run(" a ", 1.1),
            run("hill", 0.55),
            run(", sun, ", 1.1),
            run("sky", 1.4641000000000006),
            run(".", 1.1)),
        PromptAttention.parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky)))."));
  }

  @Test
  void strayClosingBracketsAreText() {
    assertEquals(List.of(run("a ]b) c", 1.0)), PromptAttention.parse("a ]b) c"));
  }

  @Test
  void aWeightThatIsNotDigitsIsText() {
    assertEquals(List.of(run("x:abc", 1.1)), PromptAttention.parse("(x:abc)"));
  }

  @Test
  void aWeightThatLooksLikeANumberButIsNotIsRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> PromptAttention.parse("(x:1.2.3)"));
    assertTrue(e.getMessage().contains("1.2.3"), e.getMessage());
  }

  @Test
  void breakSplitsOutsideBracketsAndIsAWordInside() {
    List<Run> runs = PromptAttention.parse("a BREAK b");
    assertEquals(List.of(run("a", 1.0), run("BREAK", -1.0), run("b", 1.0)), runs);
    assertTrue(runs.get(1).isBreak());
    List<Run> inside = PromptAttention.parse("(a BREAK b)");
    assertFalse(inside.stream().anyMatch(Run::isBreak));
  }

  @Test
  void emptyPromptIsOneEmptyRun() {
    assertEquals(List.of(run("", 1.0)), PromptAttention.parse(""));
  }

  @Test
  void longPromptsParseQuicklyAndAHundredKilobytesAreRefused() {
    String big = "(word:1.2), [other] \\(x\\) BREAK ".repeat(1_800); // ~60 KB
    long start = System.nanoTime();
    List<Run> runs = PromptAttention.parse(big);
    assertTrue(runs.size() > 3_000);
    String brackets = "(".repeat(4_000) + "x" + "]".repeat(4_000);
    assertEquals(1, PromptAttention.parse(brackets).size()); // one weight covers x and the "]"s
    assertTrue((System.nanoTime() - start) / 1e9 < 10, "parsing took too long");
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> PromptAttention.parse("a ".repeat(51_200)));
    assertTrue(e.getMessage().contains("102400 characters"), e.getMessage());
    var b =
        assertThrows(
            IllegalArgumentException.class, () -> PromptAttention.parse("(".repeat(6_000)));
    assertTrue(b.getMessage().contains("6000 opening brackets"), b.getMessage());
  }
}
