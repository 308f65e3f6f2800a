package org.altdiffusion.train.optim;

/**
 * The learning rate of each optimiser step. Steps count from 0; warm-up is linear and reaches the
 * peak at step {@code warmup - 1} (unlike torch's LambdaLR recipes, the first step does not use a
 * rate of 0).
 */
public interface LrSchedule {
  /** The learning rate of step {@code step} (0-based). */
  double lr(long step);

  /** Linear warm-up over {@code warmup} steps, then {@code peak} for ever. */
  static LrSchedule constant(double peak, long warmup) {
    check(peak, warmup, 0);
    return step -> step < warmup ? peak * (step + 1) / warmup : peak;
  }

  /**
   * Linear warm-up over {@code warmup} steps, then a half cosine from {@code peak} down to {@code
   * floor} at step {@code total} (the paper repository's recipe: 10k warm-up steps, cosine to
   * 1e-6). Steps past {@code total} stay at the floor.
   */
  static LrSchedule warmupCosine(double peak, long warmup, long total, double floor) {
    check(peak, warmup, floor);
    if (floor > peak)
      throw new IllegalArgumentException(
          "the cosine floor " + floor + " is above the peak " + peak);
    long decaySteps = Math.max(1, total - warmup);
    return step -> {
      if (step < warmup) return peak * (step + 1) / warmup;
      double progress = Math.min(1.0, (double) (step - warmup) / decaySteps);
      return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
    };
  }

  /** By name: "cosine" ({@link #warmupCosine}) or "constant" ({@link #constant}). */
  static LrSchedule named(String name, double peak, long warmup, long total, double floor) {
    return switch (name) {
      case "cosine" -> warmupCosine(peak, warmup, total, floor);
      case "constant" -> constant(peak, warmup);
      default ->
          throw new IllegalArgumentException(
              "unknown learning-rate schedule '" + name + "'; accepted: cosine, constant");
    };
  }

  private static void check(double peak, long warmup, double floor) {
    if (!(peak > 0) || !Double.isFinite(peak))
      throw new IllegalArgumentException("learning rate must be > 0, got " + peak);
    if (warmup < 0) throw new IllegalArgumentException("warm-up steps must be >= 0, got " + warmup);
    if (!(floor >= 0))
      throw new IllegalArgumentException("learning-rate floor must be >= 0, got " + floor);
  }
}
