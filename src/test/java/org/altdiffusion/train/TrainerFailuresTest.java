package org.altdiffusion.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.optim.AdamWOptimizer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NaN losses under both policies, a checkpoint write that fails half way (disk full), resume
 * mismatches.
 */
class TrainerFailuresTest {
  @BeforeAll
  static void init() {
    org.altdiffusion.train.OneThread.use();
  }

  @org.junit.jupiter.api.AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  /** A one-tensor model whose loss is sum((w - 1)^2), NaN at the steps listed. */
  static FixtureStepTask quadratic(Parameter w, int steps, int... nanSteps) {
    Map<String, Parameter> params = new LinkedHashMap<>();
    params.put("w", w);
    return new FixtureStepTask(
        params,
        steps,
        k -> {
          Tensor loss = w.get().sub(new Scalar(1.0)).square().sum();
          for (int s : nanSteps) if (s == k + 1) return loss.mul(new Scalar(Double.NaN));
          return loss;
        });
  }

  static Parameter weight() {
    Parameter w = new Parameter(4);
    w.set(Tensors.fromFloats(new float[] {0, 0.5f, 2, -1}, 4));
    return w;
  }

  static TrainConfig config(int steps, NonFinitePolicy policy, long checkpointEvery) {
    return new TrainConfig(
        steps,
        1,
        1,
        1e-2,
        "constant",
        0,
        0,
        AdamWOptimizer.Settings.DEFAULT,
        1.0,
        0.9,
        0,
        false,
        policy,
        checkpointEvery,
        3);
  }

  @Test
  void nanLossStopsNamingTheStepAndTheLastGoodCheckpoint(@TempDir Path out) {
    var trainer =
        new Trainer<>(
            config(8, NonFinitePolicy.STOP, 2),
            quadratic(weight(), 8, 5),
            Distributed.single(),
            Trainer.Options.quiet(out));
    TrainingException e = assertThrows(TrainingException.class, trainer::run);
    assertTrue(e.getMessage().contains("loss is NaN at step 5"), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains("last good checkpoint: " + out.resolve("checkpoints/step-00000004")),
        e.getMessage());
    assertFalse(Files.exists(out.resolve("final")));
  }

  @Test
  void nanLossIsSkippedWhenAskedAndTheWeightsStayPut(@TempDir Path out) throws Exception {
    Parameter w = weight();
    Trainer.Result r =
        new Trainer<>(
                config(6, NonFinitePolicy.SKIP, 0),
                quadratic(w, 6, 3),
                Distributed.single(),
                Trainer.Options.quiet(out))
            .run();
    assertEquals(1, r.skippedSteps());
    List<String> lines = Files.readAllLines(out.resolve("log.jsonl"));
    assertTrue(
        lines.stream()
            .anyMatch(l -> l.startsWith("{\"step\":3,") && l.contains("\"skipped\":true")),
        lines.toString());
    // ten in a row stop the run
    var many =
        new Trainer<>(
            config(20, NonFinitePolicy.SKIP, 0),
            quadratic(weight(), 20, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13),
            Distributed.single(),
            Trainer.Options.quiet(out.resolve("many")));
    TrainingException e = assertThrows(TrainingException.class, many::run);
    assertTrue(e.getMessage().contains("10 steps in a row"), e.getMessage());
  }

  @Test
  void failedCheckpointWriteLeavesThePreviousOneIntact(@TempDir Path out) throws Exception {
    var trainer =
        new Trainer<>(
            config(4, NonFinitePolicy.STOP, 2),
            quadratic(weight(), 4),
            Distributed.single(),
            Trainer.Options.quiet(out));
    int[] files = {0};
    trainer
        .checkpoints()
        .setHook(
            f -> {
              if (Files.exists(out.resolve("checkpoints/step-00000002")) && ++files[0] == 2)
                throw new IOException("No space left on device");
            });
    IOException e = assertThrows(IOException.class, trainer::run);
    assertTrue(
        e.getMessage().contains("No space left on device")
            && e.getMessage().contains("step-00000004"),
        e.getMessage());
    Path good = out.resolve("checkpoints/step-00000002");
    CheckpointStore.checkComplete(
        good, List.of(Trainer.WEIGHTS, Trainer.EMA, Trainer.OPTIMIZER, Trainer.STATE));
    assertEquals(List.of(good), new CheckpointStore(out.resolve("checkpoints")).list());
    try (var s = Files.list(out.resolve("checkpoints"))) {
      assertEquals(
          List.of("step-00000002"),
          s.map(p -> p.getFileName().toString()).toList(),
          "no temporary folder left behind");
    }
    // the intact checkpoint resumes, and the resumed run ends where an uninterrupted one does
    Parameter resumed = weight();
    new Trainer<>(
            config(4, NonFinitePolicy.STOP, 2),
            quadratic(resumed, 4),
            Distributed.single(),
            new Trainer.Options(out, true, null, null, false, false))
        .run();
    Parameter whole = weight();
    new Trainer<>(
            config(4, NonFinitePolicy.STOP, 2),
            quadratic(whole, 4),
            Distributed.single(),
            Trainer.Options.quiet(out.resolve("whole")))
        .run();
    assertEquals(0.0, Tensors.maxAbsDiff(resumed.get().detach(), whole.get().detach()));
  }

  @Test
  void resumeFromADifferentConfigurationNamesTheDifferences(@TempDir Path out) throws Exception {
    new Trainer<>(
            config(2, NonFinitePolicy.STOP, 2),
            quadratic(weight(), 2),
            Distributed.single(),
            Trainer.Options.quiet(out))
        .run();
    TrainConfig changed =
        new TrainConfig(
            2,
            1,
            1,
            5e-2,
            "cosine",
            0,
            0,
            AdamWOptimizer.Settings.DEFAULT,
            1.0,
            0.9,
            0,
            false,
            NonFinitePolicy.STOP,
            2,
            3);
    var trainer =
        new Trainer<>(
            changed,
            quadratic(weight(), 2),
            Distributed.single(),
            new Trainer.Options(out, true, null, null, false, false));
    TrainingException e = assertThrows(TrainingException.class, trainer::run);
    assertTrue(e.getMessage().contains("different configuration"), e.getMessage());
    assertTrue(e.getMessage().contains("lr: 0.01 in the checkpoint, 0.05 now"), e.getMessage());
    assertTrue(
        e.getMessage().contains("lr_schedule: \"constant\" in the checkpoint, \"cosine\" now"),
        e.getMessage());
    // an incomplete checkpoint folder is named as such
    Path broken = Files.createDirectories(out.resolve("checkpoints/step-00000009"));
    Files.writeString(broken.resolve(Trainer.STATE), "{}");
    var fromBroken =
        new Trainer<>(
            config(12, NonFinitePolicy.STOP, 2),
            quadratic(weight(), 12),
            Distributed.single(),
            new Trainer.Options(out, false, broken, null, false, false));
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, fromBroken::run);
    assertTrue(
        missing.getMessage().contains("incomplete")
            && missing.getMessage().contains("weights.safetensors"),
        missing.getMessage());
  }

  @Test
  void learningRateSchedules() {
    var cosine = org.altdiffusion.train.optim.LrSchedule.warmupCosine(1e-4, 10, 110, 1e-6);
    assertEquals(1e-5, cosine.lr(0), 1e-12);
    assertEquals(1e-4, cosine.lr(9), 1e-12);
    assertEquals(1e-4, cosine.lr(10), 1e-12);
    assertEquals((1e-4 + 1e-6) / 2, cosine.lr(60), 1e-12);
    assertEquals(1e-6, cosine.lr(110), 1e-15);
    assertEquals(1e-6, cosine.lr(500), 1e-15);
    var constant = org.altdiffusion.train.optim.LrSchedule.constant(2e-4, 4);
    assertEquals(5e-5, constant.lr(0), 1e-12);
    assertEquals(2e-4, constant.lr(100), 1e-12);
    assertThrows(
        IllegalArgumentException.class,
        () -> org.altdiffusion.train.optim.LrSchedule.named("linear", 1e-4, 0, 10, 0));
  }

  @Test
  void emaFollowsDiffusersWarmupRule() {
    Parameter w = weight();
    Map<String, Parameter> params = Map.of("w", w);
    try (var ema = new org.altdiffusion.train.optim.Ema(params, 0.9999)) {
      assertEquals(0.1, ema.decayAt(1), 1e-12, "(1 + 0) / (10 + 0)");
      assertEquals(0.9999, ema.decayAt(1_000_000), 1e-12);
      w.set(Tensors.fromFloats(new float[] {1, 1, 1, 1}, 4));
      ema.update(params);
      // shadow = 0.1 * old + 0.9 * new
      assertEquals(0.9f, Tensors.toFloats(ema.weights().get("w"))[0], 1e-6);
      assertEquals(1.0f, Tensors.toFloats(ema.weights().get("w"))[2] - 0.1f, 1e-6);
    }
  }
}
