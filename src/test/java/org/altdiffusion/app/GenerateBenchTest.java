package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class GenerateBenchTest {
  @Test
  void reportsColdWarmAndBothBaselines() {
    var r =
        GenerateCommandTest.run(
            "bench",
            "generate",
            "--model",
            GenerateCommandTest.MODEL,
            "--steps",
            "3",
            "--rounds",
            "2",
            "--size",
            "32");
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.out()
            .matches(
                "(?s).*32x32, 3 steps, guidance 7\\.5, parallel guidance: cold \\d+\\.\\d+ s; warm"
                    + " median \\d+\\.\\d+ s.*"),
        r.out());
    assertTrue(
        r.out()
            .matches(
                "(?s).*one batch of 2 \\(diffusers' way\\): warm median \\d+\\.\\d+ s \\(min"
                    + " \\d+\\.\\d+\\); parallel/batch ratio \\d+\\.\\d+.*"),
        r.out());
    assertTrue(r.out().contains("baseline 1 step: median"), r.out());
  }

  @Test
  void refusesZeroRounds() {
    var r =
        GenerateCommandTest.run(
            "bench", "generate", "--model", GenerateCommandTest.MODEL, "--rounds", "0");
    assertNotEquals(0, r.code());
    assertTrue(r.err().contains("--rounds must be 1..1000"), r.err());
  }
}
