package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.tiny.recipe.QuickRecipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalCommandTest {
  @Test
  void unknownLanguageCodeListsTheValidOnes(@TempDir Path tmp) {
    var r =
        GenerateCommandTest.run(
            "eval", "--languages", "en,xx", "--model", tmp.toString(), "--out", tmp.toString());
    assertNotEquals(0, r.code());
    assertTrue(
        r.err().contains("unknown language 'xx'")
            && r.err()
                .contains("en, zh, ja, th, ko, hi, uk, ar, tr, vi, pl, nl, pt, it, es, de, fr, ru"),
        r.err());
  }

  @Test
  void aStableDiffusionFolderAsTheScoredModelIsRefusedWithTheReason(@TempDir Path tmp)
      throws Exception {
    Path models = QuickRecipe.folder();
    var r =
        GenerateCommandTest.run(
            "eval",
            "--model",
            models.resolve("english-base").toString(),
            "--base",
            "none",
            "--clip",
            models.resolve("teacher-clip").toString(),
            "--languages",
            "en",
            "--out",
            tmp.toString());
    assertNotEquals(0, r.code());
    assertTrue(
        r.err().contains("must be an AltDiffusion folder") && r.err().contains("CLIPTextModel"),
        r.err());
  }

  @Test
  void writesTableChartGridsAndJson(@TempDir Path tmp) throws Exception {
    Path models = QuickRecipe.folder();
    var r =
        GenerateCommandTest.run(
            "eval",
            "--model",
            models.resolve("altdiffusion-tiny").toString(),
            "--base",
            models.resolve("english-base").toString(),
            "--clip",
            models.resolve("teacher-clip").toString(),
            "--languages",
            "ko,ar",
            "--steps",
            "2",
            "--grid-columns",
            "4",
            "--negative-cases",
            "4",
            "--out",
            tmp.toString());
    assertEquals(0, r.code(), r.err());
    String md = Files.readString(tmp.resolve("eval.md"));
    assertTrue(
        md.contains("| ko Korean |")
            && md.contains("| ar Arabic |")
            && md.contains("english-base attributes"),
        md);
    for (String f :
        new String[] {
          "accuracy.png",
          "grid-altdiffusion-tiny.png",
          "grid-english-base.png",
          "eval.json",
          "clip-score.png",
          "clip-fd.png"
        }) {
      assertTrue(Files.size(tmp.resolve(f)) > 0, f);
    }
    assertTrue(r.out().contains("| **mean** |"), r.out());
    assertTrue(
        md.contains("| language | images | CLIP score | FID | IS | CLIP-FD |")
            && md.lines()
                .anyMatch(
                    l -> l.matches("\\| ko \\| 48 \\| [0-9.]+ \\| n/a \\| n/a \\| [0-9.]+ \\|"))
            && md.lines()
                .anyMatch(
                    l -> l.matches("\\| ar \\| 48 \\| [0-9.]+ \\| n/a \\| n/a \\| [0-9.]+ \\|")),
        md);
    assertTrue(Files.readString(tmp.resolve("eval.json")).contains("\"clip_fd\""));
    assertTrue(
        md.contains("## Negative and short prompts (altdiffusion-tiny)")
            && md.contains("| language | negative: avoided |"),
        md);
    assertTrue(Files.readString(tmp.resolve("eval.json")).contains("\"negative_prompts\""));
    assertTrue(Files.size(tmp.resolve("negative-prompts.png")) > 0);
    assertTrue(Files.size(tmp.resolve("negative-examples.png")) > 0);
  }

  @Test
  void negativeOnlyEvaluatesNegativeAndShortPromptsAlone(@TempDir Path tmp) throws Exception {
    Path models = QuickRecipe.folder();
    var r =
        GenerateCommandTest.run(
            "eval",
            "--negative-only",
            "--negative-cases",
            "2",
            "--model",
            models.resolve("altdiffusion-tiny").toString(),
            "--languages",
            "de",
            "--steps",
            "1",
            "--out",
            tmp.toString());
    assertEquals(0, r.code(), r.err());
    String md = Files.readString(tmp.resolve("eval.md"));
    assertTrue(md.startsWith("# Negative and short prompts") && md.contains("| de German |"), md);
    assertFalse(md.contains("english-base"), md);
    assertTrue(Files.readString(tmp.resolve("eval.json")).contains("\"short_honoured\""));
    var bad =
        GenerateCommandTest.run(
            "eval",
            "--negative-only",
            "--negative-cases",
            "0",
            "--model",
            models.resolve("altdiffusion-tiny").toString(),
            "--out",
            tmp.toString());
    assertNotEquals(0, bad.code());
    assertTrue(bad.err().contains("--negative-cases must be >= 1, got 0"), bad.err());
  }
}
