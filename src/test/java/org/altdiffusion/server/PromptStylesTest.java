package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading A1111's styles.csv and applying styles as its modules/styles.py does. */
class PromptStylesTest {

  @Test
  void mergesAsA1111() {
    // merge_prompts: {prompt} is replaced; otherwise ", ".join of the non-empty stripped parts.
    assertEquals("a cat, oil painting", PromptStyles.merge("oil painting", "a cat"));
    assertEquals("photo of a cat, 4k", PromptStyles.merge("photo of {prompt}, 4k", "a cat"));
    assertEquals("a cat and a cat", PromptStyles.merge("{prompt} and {prompt}", "a cat"));
    assertEquals("oil painting", PromptStyles.merge(" oil painting ", "  "));
    assertEquals("a cat", PromptStyles.merge("", " a cat "));
    assertEquals(" x ", PromptStyles.merge("{prompt}", " x "));
  }

  @Test
  void readsQuotingBomAndOldTextColumn() {
    PromptStyles s =
        PromptStyles.parse(
            "\uFEFFname,prompt,negative_prompt\r\n"
                + "Oil, \"oil painting, {prompt}\",\"blurry, \"\"low\"\" quality\"\n"
                + "\n"
                + "Multi,\"line one\nline two\",\n");
    assertEquals(
        List.of(
            new PromptStyles.Style("Oil", "oil painting, {prompt}", "blurry, \"low\" quality"),
            new PromptStyles.Style("Multi", "line one\nline two", "")),
        s.list());
    PromptStyles old = PromptStyles.parse("name,text\nA,sharp\n");
    assertEquals(List.of(new PromptStyles.Style("A", "sharp", "")), old.list());
  }

  @Test
  void appliesStylesInOrder() {
    PromptStyles s =
        PromptStyles.parse(
            "name,prompt,negative_prompt\nA,photo of {prompt},blurry\nB,4k,{prompt} text\n");
    assertEquals("photo of a cat, 4k", s.applyToPrompt("a cat", List.of("A", "B")));
    assertEquals("photo of 4k", s.applyToPrompt("", List.of("B", "A")));
    assertEquals("ugly, blurry text", s.applyToNegativePrompt("ugly", List.of("A", "B")));
    ApiException e = assertThrows(ApiException.class, () -> s.applyToPrompt("x", List.of("C")));
    assertEquals(422, e.status());
    assertTrue(
        e.getMessage().contains("'C'") && e.getMessage().contains("known: A, B"), e.getMessage());
    ApiException none =
        assertThrows(ApiException.class, () -> PromptStyles.NONE.applyToPrompt("x", List.of("A")));
    assertTrue(none.getMessage().contains("--styles"), none.getMessage());
  }

  @Test
  void badFilesAreRefusedNamingTheLine(@TempDir Path dir) throws Exception {
    assertBad("", "line 1");
    assertBad("title,prompt\nA,b\n", "line 1: the header must name the columns name, prompt");
    assertBad("name,prompt\nA,b\nB,c,d\n", "line 3: 3 fields where the header has 2");
    assertBad("name,prompt\nA,b\nB\n", "line 3: 1 fields");
    assertBad("name,prompt\nA,\"b\n\nc\n", "line 2: a quoted field is not closed");
    assertBad("name,prompt\nA,\"b\"c\n", "line 2: text after a closing double quote");
    assertBad("name,prompt\nA,b\n,c\n", "line 3: a style without a name");
    assertBad(
        "name,prompt\nA,b\n\"x\ny\",c\nA,d\n", "line 5: style 'A' is already defined on line 2");
    assertBad("name,name,prompt\n", "line 1: column 'name' twice");

    Path file = dir.resolve("styles.csv");
    Files.write(file, "name,prompt\nA,b,c\n".getBytes(StandardCharsets.UTF_8));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PromptStyles.load(file));
    assertTrue(e.getMessage().startsWith("styles file " + file + ": line 2"), e.getMessage());
    Files.write(file, new byte[] {'n', 'a', 'm', 'e', (byte) 0xff});
    e = assertThrows(IllegalArgumentException.class, () -> PromptStyles.load(file));
    assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    Files.writeString(file, "name,prompt\nA,b\n");
    assertEquals(file, PromptStyles.load(file).source());
  }

  private static void assertBad(String csv, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PromptStyles.parse(csv), csv);
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
