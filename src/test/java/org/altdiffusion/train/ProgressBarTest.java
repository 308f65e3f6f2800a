package org.altdiffusion.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The progress line: step, bar, loss, learning rate, rate and ETA; a new line per update off a
 * terminal.
 */
class ProgressBarTest {
  @Test
  void lineShowsLossLearningRateRateAndEta() {
    ProgressBar bar = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), 0, 200, false);
    bar.update(1, 0.5, 1e-4);
    String line = bar.line(50, 1e-4, System.nanoTime() + 10_000_000_000L);
    assertTrue(line.startsWith("step 50/200 ["), line);
    assertTrue(line.contains(" 25% loss 0.5000 lr 1.00e-04 "), line);
    assertTrue(line.matches(".* \\d+\\.\\d\\d it/s ETA \\d\\d:\\d\\d"), line);
    assertEquals("01:05", ProgressBar.clock(65));
    assertEquals("2:00:05", ProgressBar.clock(7205));
  }

  @Test
  void lastStepAlwaysPrintsAndEndsTheLine() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ProgressBar bar =
        new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), 0, 3, true);
    bar.update(1, 1.0, 1e-3);
    bar.update(2, 1.0, 1e-3);
    bar.update(3, 0.9, 1e-3);
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.startsWith("\rstep 1/3"), text);
    assertTrue(text.contains("\rstep 3/3") && text.endsWith("\n"), text);
  }
}
