package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.altdiffusion.train.CheckpointStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL (kill -9) at a random step and resumed ends bit-identical to an
 * uninterrupted run of the same length: trained weights, EMA weights and every step's loss.
 */
class ResumeAfterKillTest {
  static final int STEPS = 30;

  @BeforeAll
  static void init() {
    org.altdiffusion.train.OneThread.use();
  }

  @org.junit.jupiter.api.AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  @Test
  void killedAndResumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
    Path whole = tmp.resolve("whole");
    Path killed = tmp.resolve("killed");
    assertEquals(
        0,
        TrainingRuns.inProcess(
                TrainingRuns.tinyDistillation(whole, STEPS, "--checkpoint-every", "2"))
            .code());

    long seed = System.nanoTime();
    int killAt = 4 + new Random(seed).nextInt(STEPS - 10);
    System.out.println("kill -9 after step " + killAt + " (random seed " + seed + ")");
    Path childLog = tmp.resolve("child.txt");
    Process child =
        TrainingRuns.forked(
            TrainingRuns.tinyDistillation(killed, STEPS, "--checkpoint-every", "2"),
            childLog,
            Map.of("ALTDIFFUSION_TORCH_THREADS", "1"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (child.isAlive()
        && TrainingRuns.lastStep(killed.resolve("log.jsonl")) < killAt
        && System.nanoTime() < deadline) Thread.sleep(2);
    assertTrue(
        child.isAlive(),
        "the child ended before it could be killed: " + Files.readString(childLog));
    child.destroyForcibly(); // SIGKILL
    child.waitFor();
    long reached = TrainingRuns.lastStep(killed.resolve("log.jsonl"));
    List<Path> left = new CheckpointStore(killed.resolve("checkpoints")).list();
    System.out.println(
        "killed at step "
            + reached
            + "; checkpoints left: "
            + left.stream().map(p -> p.getFileName().toString()).toList());
    assertTrue(reached < STEPS, "killed before the end");
    assertFalse(Files.exists(killed.resolve("final")), "the killed run did not finish");

    assertEquals(
        0,
        TrainingRuns.inProcess(
                TrainingRuns.tinyDistillation(killed, STEPS, "--checkpoint-every", "2", "--resume"))
            .code());

    assertEquals(
        List.of(),
        TrainingRuns.differingTensors(
            whole.resolve("final/model.safetensors"), killed.resolve("final/model.safetensors")),
        "trained weights differ");
    assertEquals(
        List.of(),
        TrainingRuns.differingTensors(
            whole.resolve("final-ema/model.safetensors"),
            killed.resolve("final-ema/model.safetensors")),
        "EMA weights differ");
    assertEquals(
        TrainingRuns.lossLines(whole.resolve("log.jsonl")),
        TrainingRuns.lossLines(killed.resolve("log.jsonl")),
        "per-step losses and gradient norms differ");
  }
}
