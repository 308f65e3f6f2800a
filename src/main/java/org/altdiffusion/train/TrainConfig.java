package org.altdiffusion.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.train.optim.AdamWOptimizer;
import org.altdiffusion.train.optim.LrSchedule;

/**
 * Hyper-parameters shared by every training task. The fields of {@link #fingerprint()} decide the
 * trajectory, so a resume must find them unchanged; the others (how often to write) may change.
 *
 * @param steps optimiser steps of the whole run (default 1000)
 * @param batchSize examples per micro-step over all processes together (default 4); each of N
 *     processes takes batchSize / N
 * @param gradAccumulation micro-steps per optimiser step (default 1)
 * @param lr peak learning rate (default 1e-4, the m18 recipe)
 * @param lrSchedule "cosine" (warm-up, then cosine to lrFloor at the last step; default) or
 *     "constant"
 * @param warmupSteps linear warm-up steps (default 0; the m18 recipe used 10,000)
 * @param lrFloor where the cosine ends (default 1e-6, the paper repository's)
 * @param optimizer AdamW settings (default betas 0.9/0.999, eps 1e-8, weight decay 1e-2)
 * @param maxGradNorm clip the global gradient norm to this (default 1.0; 0 = no clipping)
 * @param emaDecay EMA decay of the trained weights (default 0.9999; 0 = no EMA)
 * @param seed seed of data order and every random draw (default 0)
 * @param shuffle shuffle the data each epoch (default true)
 * @param onNonFinite what a NaN/infinite loss or gradient does (default STOP)
 * @param checkpointEvery write a resume checkpoint every this many steps (default 500; 0 = only at
 *     the end)
 * @param keepCheckpoints resume checkpoints kept (default 2; older ones are deleted)
 * @param mixedPrecision the type autocast runs each step's forward and loss in, with float32
 *     weights, gradients and optimiser state (default float32: no autocast)
 */
public record TrainConfig(
    long steps,
    int batchSize,
    int gradAccumulation,
    double lr,
    String lrSchedule,
    long warmupSteps,
    double lrFloor,
    AdamWOptimizer.Settings optimizer,
    double maxGradNorm,
    double emaDecay,
    long seed,
    boolean shuffle,
    NonFinitePolicy onNonFinite,
    long checkpointEvery,
    int keepCheckpoints,
    Precision mixedPrecision) {

  /** Without mixed precision. */
  public TrainConfig(
      long steps,
      int batchSize,
      int gradAccumulation,
      double lr,
      String lrSchedule,
      long warmupSteps,
      double lrFloor,
      AdamWOptimizer.Settings optimizer,
      double maxGradNorm,
      double emaDecay,
      long seed,
      boolean shuffle,
      NonFinitePolicy onNonFinite,
      long checkpointEvery,
      int keepCheckpoints) {
    this(
        steps,
        batchSize,
        gradAccumulation,
        lr,
        lrSchedule,
        warmupSteps,
        lrFloor,
        optimizer,
        maxGradNorm,
        emaDecay,
        seed,
        shuffle,
        onNonFinite,
        checkpointEvery,
        keepCheckpoints,
        Precision.FLOAT32);
  }

  public TrainConfig {
    mixedPrecision = mixedPrecision == null ? Precision.FLOAT32 : mixedPrecision;
    if (mixedPrecision == Precision.AUTO)
      throw new IllegalArgumentException("mixed precision must be float32, bfloat16 or float16");
    if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
    if (batchSize < 1)
      throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
    if (gradAccumulation < 1)
      throw new IllegalArgumentException(
          "--grad-accumulation must be >= 1, got " + gradAccumulation);
    if (!(maxGradNorm >= 0))
      throw new IllegalArgumentException("--max-grad-norm must be >= 0, got " + maxGradNorm);
    if (!(emaDecay == 0 || (emaDecay > 0 && emaDecay < 1)))
      throw new IllegalArgumentException(
          "--ema-decay must be 0 (off) or in (0, 1), got " + emaDecay);
    if (checkpointEvery < 0)
      throw new IllegalArgumentException("--checkpoint-every must be >= 0, got " + checkpointEvery);
    if (keepCheckpoints < 1)
      throw new IllegalArgumentException("--keep-checkpoints must be >= 1, got " + keepCheckpoints);
    if (onNonFinite == null)
      throw new IllegalArgumentException("a non-finite loss policy is required");
    schedule(lrSchedule, lr, warmupSteps, steps, lrFloor); // validates
  }

  public static TrainConfig defaults() {
    return new TrainConfig(
        1000,
        4,
        1,
        1e-4,
        "cosine",
        0,
        1e-6,
        AdamWOptimizer.Settings.DEFAULT,
        1.0,
        0.9999,
        0,
        true,
        NonFinitePolicy.STOP,
        500,
        2);
  }

  private static LrSchedule schedule(
      String name, double lr, long warmup, long steps, double floor) {
    return LrSchedule.named(name, lr, warmup, steps, floor);
  }

  /** The same settings with each step's forward and loss autocast to {@code precision}. */
  public TrainConfig withMixedPrecision(Precision precision) {
    return new TrainConfig(
        steps,
        batchSize,
        gradAccumulation,
        lr,
        lrSchedule,
        warmupSteps,
        lrFloor,
        optimizer,
        maxGradNorm,
        emaDecay,
        seed,
        shuffle,
        onNonFinite,
        checkpointEvery,
        keepCheckpoints,
        precision);
  }

  public LrSchedule schedule() {
    return schedule(lrSchedule, lr, warmupSteps, steps, lrFloor);
  }

  /** AdamW settings with the peak learning rate. */
  public AdamWOptimizer.Settings optimizerSettings() {
    return new AdamWOptimizer.Settings(
        lr, optimizer.beta1(), optimizer.beta2(), optimizer.eps(), optimizer.weightDecay());
  }

  /** What decides the trajectory, as JSON (compared on resume). */
  public ObjectNode fingerprint() {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("steps", steps);
    o.put("batch_size", batchSize);
    o.put("grad_accumulation", gradAccumulation);
    o.put("lr", lr);
    o.put("lr_schedule", lrSchedule);
    o.put("warmup_steps", warmupSteps);
    o.put("lr_floor", lrFloor);
    o.put("beta1", optimizer.beta1());
    o.put("beta2", optimizer.beta2());
    o.put("eps", optimizer.eps());
    o.put("weight_decay", optimizer.weightDecay());
    o.put("max_grad_norm", maxGradNorm);
    o.put("ema_decay", emaDecay);
    o.put("seed", seed);
    o.put("shuffle", shuffle);
    o.put("on_non_finite", onNonFinite.name().toLowerCase(java.util.Locale.ROOT));
    // only when on: checkpoints written before mixed precision existed keep their fingerprint
    if (mixedPrecision != Precision.FLOAT32) o.put("mixed_precision", mixedPrecision.toString());
    return o;
  }
}
