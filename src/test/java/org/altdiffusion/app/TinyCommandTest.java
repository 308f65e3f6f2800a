package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyCommandTest {

  @Test
  void listsItsSteps() {
    String[] out = new String[1];
    assertEquals(0, run(out, null, "tiny"));
    assertTrue(out[0].contains("tokenizers") && out[0].contains("train-clip"), out[0]);
    assertEquals(0, run(out, null, "tiny", "train-clip", "--help"));
    assertTrue(out[0].contains("--minutes") && out[0].contains("--tokenizer=DIR"), out[0]);
  }

  @Test
  void badArgumentsAreNamed(@TempDir Path dir) {
    String[] err = new String[1];
    assertEquals(
        1, run(null, err, "tiny", "tokenizers", "--out", dir.toString(), "--vocab-size", "100"));
    assertEquals("error: --vocab-size must be 300..100000, got 100", err[0].strip());
    assertEquals(1, run(null, err, "tiny", "train-clip", "--out", dir.toString(), "--steps", "0"));
    assertEquals("error: --steps must be >= 1, got 0", err[0].strip());
    assertEquals(
        1, run(null, err, "tiny", "train-clip", "--out", dir.toString(), "--batch-size", "1"));
    assertEquals("error: --batch-size must be 2..4096, got 1", err[0].strip());
    assertEquals(
        1,
        run(
            null,
            err,
            "tiny",
            "train-clip",
            "--out",
            dir.toString(),
            "--tokenizer",
            dir.resolve("none").toString()));
    assertTrue(err[0].contains("vocab.json") && err[0].contains("file not found"), err[0]);
    assertEquals(2, run(null, err, "tiny", "tokenizers"));
    assertTrue(err[0].contains("Missing required option: '--out=DIR'"), err[0]);
  }

  /**
   * Runs the CLI (GenerateCommandTest.run), puts its stdout / stderr into out[0] / err[0] when
   * given.
   */
  private static int run(String[] out, String[] err, String... args) {
    GenerateCommandTest.Run r = GenerateCommandTest.run(args);
    if (out != null) out[0] = r.out();
    if (err != null) err[0] = r.err();
    return r.code();
  }
}
