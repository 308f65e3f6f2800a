package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.Infotext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped model is what `generate` uses without --model (the README's first command). */
class BuiltInModelTest {
  @Test
  void generateWithoutModelUsesTheShippedMultilingualModel(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("circle.png");
    var r =
        GenerateCommandTest.run(
            "generate",
            "--prompt",
            "ein großer roter Kreis links",
            "--steps",
            "5",
            "--seed",
            "1",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    Infotext info = Infotext.parse(PngText.read(Files.readAllBytes(out)).get("parameters"));
    assertEquals("altdiffusion-tiny", info.settings().get("Model"));
    assertEquals("64x64", info.settings().get("Size"));
  }

  @Test
  void aPromptInALanguageTheModelNeverSawStillGivesAPictureWithoutComplaint(@TempDir Path tmp) {
    Path out = tmp.resolve("is.png");
    var r =
        GenerateCommandTest.run(
            "generate",
            "--prompt",
            "stór rauður hringur vinstra megin",
            "--steps",
            "3",
            "--seed",
            "1",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(Files.isRegularFile(out));
    assertFalse(
        r.err().toLowerCase().contains("warning") || r.err().toLowerCase().contains("error"),
        r.err());
  }

  @Test
  void withoutTheShippedModelTheErrorSaysWhereItLooksAndWhatToPass(@TempDir Path tmp) {
    String old = System.getProperty("altdiffusion.home");
    System.setProperty("altdiffusion.home", tmp.toString());
    try {
      var r =
          GenerateCommandTest.run(
              "generate", "--prompt", "x", "--out", tmp.resolve("x.png").toString());
      assertNotEquals(0, r.code());
      assertTrue(
          r.err().contains(tmp.resolve("models").resolve("altdiffusion-tiny").toString())
              && r.err().contains("--model"),
          r.err());
    } finally {
      if (old == null) System.clearProperty("altdiffusion.home");
      else System.setProperty("altdiffusion.home", old);
    }
  }
}
