package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.altdiffusion.train.CheckpointStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run killed with SIGKILL twenty times at random moments — while the JVM starts, while
 * it loads, inside steps and inside checkpoint writes (one after every step) — and resumed after
 * each kill ends bit-identical to an uninterrupted run: final weights, EMA weights, the newest
 * checkpoint (weights, EMA, optimizer moments and steps, random state) and every step's loss and
 * gradient norm. Slow (about twenty JVM starts): {@code mvn test -Dtest.excludedGroups=
 * -Dgroups=slow -Dtest=RepeatedKillTest}.
 */
@Tag("slow")
class RepeatedKillTest {
  static final int STEPS = 300;
  static final int KILLS = 20;
  static final Map<String, String> ONE_THREAD = Map.of("ALTDIFFUSION_TORCH_THREADS", "1");

  @BeforeAll
  static void init() {
    org.altdiffusion.train.OneThread.use();
  }

  @AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  @Test
  void twentyKillsAndResumesEqualAnUninterruptedRun(@TempDir Path tmp) throws Exception {
    Path whole = tmp.resolve("whole");
    assertEquals(0, TrainingRuns.inProcess(run(whole)).code());

    Path killed = tmp.resolve("killed");
    long seed = System.nanoTime();
    Random random = new Random(seed);
    System.out.println("random seed " + seed);
    List<String> kills = new ArrayList<>();
    for (int k = 0; k < KILLS; k++) kills.add(killOnce(killed, tmp, random, k));
    System.out.println("kills (step reached / checkpoints left):\n  " + String.join("\n  ", kills));
    assertFalse(Files.exists(killed.resolve("final")), "every kill came before the end");

    assertEquals(0, TrainingRuns.inProcess(run(killed)).code());
    assertSameTensors(whole, killed, "final/model.safetensors");
    assertSameTensors(whole, killed, "final-ema/model.safetensors");
    Path newest = new CheckpointStore(whole.resolve("checkpoints")).latest().orElseThrow();
    try (Stream<Path> files = Files.list(newest)) {
      for (Path f : files.toList()) {
        Path rel = whole.relativize(f);
        if (f.toString().endsWith(".safetensors")) assertSameTensors(whole, killed, rel.toString());
        else if (f.toString().endsWith(".pt")) assertSameStorages(f, killed.resolve(rel));
        else
          assertArrayEquals(
              Files.readAllBytes(f), Files.readAllBytes(killed.resolve(rel)), rel.toString());
      }
    }
    assertEquals(
        TrainingRuns.lossLines(whole.resolve("log.jsonl")),
        TrainingRuns.lossLines(killed.resolve("log.jsonl")),
        "per-step losses and gradient norms differ");
  }

  /**
   * Starts (or resumes) the run in a child JVM and kills it: at a random moment of its start-up for
   * a quarter of the kills, otherwise a random 0-400 ms after it logs a random step 1-3 past where
   * it resumed (checkpoints follow every step, so many kills land inside a write).
   */
  private static String killOnce(Path out, Path tmp, Random random, int k) throws Exception {
    long resumedAt = TrainingRuns.lastStep(out.resolve("log.jsonl"));
    Path log = tmp.resolve("child-" + k + ".txt");
    Process child = TrainingRuns.forked(run(out), log, ONE_THREAD);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    if (random.nextInt(4) == 0) {
      Thread.sleep(100 + random.nextInt(1500));
    } else {
      long target = Math.min(STEPS - 1, resumedAt + 1 + random.nextInt(3));
      while (child.isAlive()
          && TrainingRuns.lastStep(out.resolve("log.jsonl")) < target
          && System.nanoTime() < deadline) Thread.sleep(1);
      Thread.sleep(random.nextInt(400));
    }
    assertTrue(child.isAlive(), "child " + k + " ended before the kill: " + Files.readString(log));
    child.destroyForcibly(); // SIGKILL
    child.waitFor();
    return TrainingRuns.lastStep(out.resolve("log.jsonl"))
        + " / "
        + new CheckpointStore(out.resolve("checkpoints"))
            .list().stream().map(p -> p.getFileName().toString()).toList();
  }

  private static List<String> run(Path out) {
    return TrainingRuns.tinyDistillation(out, STEPS, "--checkpoint-every", "1", "--resume");
  }

  /**
   * libtorch's archives (optimizer.pt) name TorchScript classes with a per-process counter ({@code
   * ___torch_mangle_N}) and number their storages in an order that may differ between processes, so
   * a resumed process writes other bytes around the same state: compare the tensor storages ({@code
   * <archive>/data/<n>}, every moment and step) as a multiset.
   */
  private static void assertSameStorages(Path a, Path b) throws java.io.IOException {
    List<String> x = storages(a);
    assertFalse(x.isEmpty(), a + " holds no tensor storages");
    assertEquals(x, storages(b), a.getFileName() + ": tensor storages (sorted) differ");
  }

  /** Every storage of a libtorch archive as hex, sorted. */
  private static List<String> storages(Path zip) throws java.io.IOException {
    List<String> out = new ArrayList<>();
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(zip.toFile())) {
      for (var e : java.util.Collections.list(z.entries())) {
        String name = e.getName();
        int slash = name.indexOf('/');
        if (slash < 0 || !name.substring(slash).startsWith("/data/")) continue;
        try (var in = z.getInputStream(e)) {
          out.add(java.util.HexFormat.of().formatHex(in.readAllBytes()));
        }
      }
    }
    java.util.Collections.sort(out);
    return out;
  }

  private static void assertSameTensors(Path a, Path b, String file) {
    assertEquals(
        List.of(),
        TrainingRuns.differingTensors(a.resolve(file), b.resolve(file)),
        file + ": tensors differ");
  }
}
