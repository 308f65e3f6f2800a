package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class MemoryEstimateTest {
  /** SD 2.1: UNet 320 channels at the first level, VAE 128 channels, factor 8. */
  static long sd21(int side, int images) {
    return MemoryEstimate.bytesNeeded(320, 128, 8, side, side, images * 2, images);
  }

  @Test
  void sd21At512IsAboutTheMeasuredFigure() {
    long bytes = sd21(512, 1);
    assertTrue(bytes > 0.9e9 && bytes < 3e9, "estimate " + bytes);
  }

  @Test
  void growsWithAreaAndBatch() {
    assertEquals(4.0, (double) sd21(1024, 1) / sd21(512, 1), 0.01);
    assertTrue(sd21(512, 2) > sd21(512, 1));
  }

  @Test
  void refusesWithTheFigureWhenMemoryIsShort() {
    long needed = sd21(2048, 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MemoryEstimate.check(needed, 24_000_000_000L, 2048, 2048, 1));
    assertTrue(
        e.getMessage()
            .matches(
                "2048x2048 with 1 image\\(s\\) at once needs about [0-9.]+ GB of working memory,"
                    + " but only 24.0 GB is available.*"),
        e.getMessage());
    IllegalArgumentException named =
        assertThrows(
            IllegalArgumentException.class,
            () -> MemoryEstimate.check(needed, 24_000_000_000L, 2048, 2048, 1, "cpu"));
    assertTrue(
        named.getMessage().contains("GB of working memory on cpu, but only 24.0 GB"),
        named.getMessage());
    MemoryEstimate.check(needed, -1, 2048, 2048, 1); // unknown availability: no check
    MemoryEstimate.check(sd21(512, 1), 24_000_000_000L, 512, 512, 1);
  }
}
