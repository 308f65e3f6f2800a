package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM at random moments of a training run: the JVM used to run libtorch's static destructors
 * while the training thread was still inside {@code backward()} and die with SIGSEGV (2 of 13
 * tries). Now every try must end with the signal's status (143), say where it stopped, and leave no
 * JVM crash report.
 */
@Tag("slow")
class TerminationTest {
  private static final int TERMS = 12;

  @Test
  void sigtermDuringTrainingEndsCleanly(@TempDir Path tmp) throws Exception {
    Random random = new Random(2026_12_08L);
    List<String> outcomes = new ArrayList<>();
    for (int k = 0; k < TERMS; k++) outcomes.add(termOnce(tmp, random, k));
    System.out.println("SIGTERMs (step reached):\n  " + String.join("\n  ", outcomes));
    try (Stream<Path> files = Files.list(tmp)) {
      List<String> crashes =
          files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("hs_err")).toList();
      assertEquals(List.of(), crashes, "JVM crash reports");
    }
  }

  private static String termOnce(Path tmp, Random random, int k) throws Exception {
    Path out = tmp.resolve("run-" + k);
    Path log = tmp.resolve("child-" + k + ".txt");
    List<String> args = TrainingRuns.tinyDistillation(out, 100_000);
    // two torch threads: the step's work runs on libtorch's pool as well as the main thread
    Process child = TrainingRuns.forked(args, log, Map.of("ALTDIFFUSION_TORCH_THREADS", "2"));
    long target = 1 + random.nextInt(20);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (child.isAlive()
        && TrainingRuns.lastStep(out.resolve("log.jsonl")) < target
        && System.nanoTime() < deadline) Thread.sleep(1);
    Thread.sleep(random.nextInt(300));
    assertTrue(
        child.isAlive(), "child " + k + " ended before the signal: " + Files.readString(log));
    child.destroy(); // SIGTERM
    assertTrue(child.waitFor(150, TimeUnit.SECONDS), "child " + k + " did not stop");
    String printed = Files.readString(log);
    assertEquals(143, child.exitValue(), "child " + k + " exit status; it printed:\n" + printed);
    assertTrue(
        printed.contains("stopped training before step"),
        "child " + k + " should say where it stopped:\n" + printed);
    return "try " + k + ": step " + TrainingRuns.lastStep(out.resolve("log.jsonl"));
  }
}
