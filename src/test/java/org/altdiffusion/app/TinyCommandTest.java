package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyCommandTest {

  @Test
  void listsItsSteps() {
    String[] out = new String[1];
    assertEquals(0, capture(out, null, () -> Main.run("tiny")));
    assertTrue(out[0].contains("tokenizers") && out[0].contains("train-clip"), out[0]);
    assertEquals(0, capture(out, null, () -> Main.run("tiny", "train-clip", "--help")));
    assertTrue(out[0].contains("--minutes") && out[0].contains("--tokenizer=DIR"), out[0]);
  }

  @Test
  void badArgumentsAreNamed(@TempDir Path dir) {
    String[] err = new String[1];
    assertEquals(1, capture(null, err, () -> Main.run("tiny", "tokenizers", "--out", dir.toString(), "--vocab-size", "100")));
    assertEquals("error: --vocab-size must be 300..100000, got 100", err[0].strip());
    assertEquals(1, capture(null, err, () -> Main.run("tiny", "train-clip", "--out", dir.toString(), "--steps", "0")));
    assertEquals("error: --steps must be >= 1, got 0", err[0].strip());
    assertEquals(1, capture(null, err, () -> Main.run("tiny", "train-clip", "--out", dir.toString(), "--batch-size", "1")));
    assertEquals("error: --batch-size must be 2..4096, got 1", err[0].strip());
    assertEquals(1, capture(null, err, () -> Main.run("tiny", "train-clip", "--out", dir.toString(), "--tokenizer", dir.resolve("none").toString())));
    assertTrue(err[0].contains("vocab.json") && err[0].contains("file not found"), err[0]);
    assertEquals(2, capture(null, err, () -> Main.run("tiny", "tokenizers")));
    assertTrue(err[0].contains("Missing required option: '--out=DIR'"), err[0]);
  }

  private static int capture(String[] out, String[] err, java.util.function.IntSupplier body) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      return body.getAsInt();
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      if (out != null) out[0] = o.toString(StandardCharsets.UTF_8);
      if (err != null) err[0] = e.toString(StandardCharsets.UTF_8);
    }
  }
}
