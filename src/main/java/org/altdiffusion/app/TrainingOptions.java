package org.altdiffusion.app;

import java.nio.file.Path;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.train.NonFinitePolicy;
import org.altdiffusion.train.TrainConfig;
import org.altdiffusion.train.Trainer;
import org.altdiffusion.train.optim.AdamWOptimizer;
import picocli.CommandLine.Option;

/** The options every training command shares: optimiser, schedule, steps, checkpoints, resume. */
final class TrainingOptions {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output folder: log.jsonl, checkpoints/, final/, final-ema/, loss.png.")
  Path out;

  @Option(
      names = "--steps",
      defaultValue = "1000",
      description = "Optimiser steps of the whole run. Default ${DEFAULT-VALUE}.")
  long steps;

  @Option(
      names = "--batch-size",
      defaultValue = "4",
      description =
          "Examples per micro-step over all processes together. Default ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(
      names = "--grad-accumulation",
      defaultValue = "1",
      description = "Micro-steps per optimiser step. Default ${DEFAULT-VALUE}.")
  int gradAccumulation;

  @Option(
      names = "--lr",
      defaultValue = "1e-4",
      description = "Peak learning rate. Default ${DEFAULT-VALUE}.")
  double lr;

  @Option(
      names = "--lr-schedule",
      defaultValue = "cosine",
      description =
          "cosine (warm-up, then cosine to --lr-floor) or constant (warm-up, then flat). Default"
              + " ${DEFAULT-VALUE}.")
  String lrSchedule;

  @Option(
      names = "--warmup-steps",
      defaultValue = "0",
      description = "Linear warm-up steps. Default ${DEFAULT-VALUE} (the m18 recipe: 10000).")
  long warmupSteps;

  @Option(
      names = "--lr-floor",
      defaultValue = "1e-6",
      description = "Learning rate at the end of the cosine. Default ${DEFAULT-VALUE}.")
  double lrFloor;

  @Option(
      names = "--beta1",
      defaultValue = "0.9",
      description = "AdamW beta1. Default ${DEFAULT-VALUE}.")
  double beta1;

  @Option(
      names = "--beta2",
      defaultValue = "0.999",
      description = "AdamW beta2. Default ${DEFAULT-VALUE}.")
  double beta2;

  @Option(
      names = "--adam-eps",
      defaultValue = "1e-8",
      description = "AdamW epsilon. Default ${DEFAULT-VALUE}.")
  double eps;

  @Option(
      names = "--weight-decay",
      defaultValue = "1e-2",
      description = "AdamW decoupled weight decay. Default ${DEFAULT-VALUE}.")
  double weightDecay;

  @Option(
      names = "--max-grad-norm",
      defaultValue = "1.0",
      description = "Clip the gradient norm to this; 0 = no clipping. Default ${DEFAULT-VALUE}.")
  double maxGradNorm;

  @Option(
      names = "--ema-decay",
      defaultValue = "0.9999",
      description =
          "EMA decay of the trained weights (diffusers' warm-up rule); 0 = no EMA. Default"
              + " ${DEFAULT-VALUE}.")
  double emaDecay;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description =
          "Seed of data order, noise, timesteps and caption dropout. Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--no-shuffle",
      description = "Read the data in order instead of a new permutation each epoch.")
  boolean noShuffle;

  @Option(
      names = "--on-nan",
      defaultValue = "stop",
      description =
          "A NaN/infinite loss or gradient: stop (naming the step and the last good checkpoint) or"
              + " skip (leave the step out). Default ${DEFAULT-VALUE}.")
  String onNan;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "500",
      description =
          "Write a resume checkpoint every N steps (and at the end); 0 = only at the end. Default"
              + " ${DEFAULT-VALUE}.")
  long checkpointEvery;

  @Option(
      names = "--keep-checkpoints",
      defaultValue = "2",
      description = "Resume checkpoints kept. Default ${DEFAULT-VALUE}.")
  int keepCheckpoints;

  @Option(
      names = "--resume",
      description =
          "Continue from the newest checkpoint in OUT/checkpoints (start afresh if there is none).")
  boolean resume;

  @Option(
      names = "--resume-from",
      paramLabel = "DIR",
      description = "Continue from this checkpoint folder.")
  Path resumeFrom;

  @Option(names = "--no-progress", description = "No progress line on stderr.")
  boolean noProgress;

  @Option(names = "--no-export", description = "Do not write final/ and final-ema/ at the end.")
  boolean noExport;

  @Option(
      names = "--mixed-precision",
      paramLabel = "TYPE",
      description =
          "no, bf16 or fp16 (as diffusers' train scripts): each step's forward and loss under"
              + " autocast in that type (matrix products and convolutions; norms, softmax and"
              + " losses in float32), weights, gradients and optimiser state float32. Default"
              + " no.")
  String mixedPrecision = "no";

  /** {@code --mixed-precision} as a precision (no = float32). */
  Precision mixedPrecision() {
    String s = mixedPrecision.trim().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("no")) return Precision.FLOAT32;
    if (s.equals("bf16") || s.equals("fp16")) return Precision.parse(s);
    throw new IllegalArgumentException(
        "--mixed-precision '" + mixedPrecision + "' is not known; accepted: no, bf16, fp16");
  }

  TrainConfig config() {
    return new TrainConfig(
        steps,
        batchSize,
        gradAccumulation,
        lr,
        lrSchedule,
        warmupSteps,
        lrFloor,
        new AdamWOptimizer.Settings(lr, beta1, beta2, eps, weightDecay),
        maxGradNorm,
        emaDecay,
        seed,
        !noShuffle,
        NonFinitePolicy.parse(onNan),
        checkpointEvery,
        keepCheckpoints,
        mixedPrecision());
  }

  Trainer.Options trainerOptions() {
    return new Trainer.Options(
        out,
        resume,
        resumeFrom,
        noProgress ? null : System.err,
        System.console() != null,
        !noExport);
  }
}
