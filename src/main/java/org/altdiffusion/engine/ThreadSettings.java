package org.altdiffusion.engine;

import java.util.Locale;

/**
 * How many threads the two native pools get.
 *
 * <p>libtorch runs its own OpenMP pool for elementwise ops, convolutions and attention, while
 * matrix products go to OpenBLAS, which keeps a second pool. With both pools at the core count they
 * oversubscribe the cores (a small training step ran 9x slower on 2 cores), and OpenBLAS threads
 * inside the fused attention kernel are ruinous (a 2x5x4096x64 attention: 0.6 s with one BLAS
 * thread, 14-15 s with two), so by default torch gets every core and OpenBLAS one thread. Large
 * inference Linear products still use every core: {@link RowParallel} runs them as one
 * single-threaded BLAS product per torch thread. Measured by {@code ./altdiffusion bench threads}
 * and {@code ./altdiffusion bench unet}.
 *
 * @param torchThreads intra-op threads of libtorch; default: available processors. Environment
 *     {@code ALTDIFFUSION_TORCH_THREADS}, system property {@code altdiffusion.torchThreads}.
 * @param blasThreads OpenBLAS threads; default 1. Environment {@code ALTDIFFUSION_BLAS_THREADS},
 *     system property {@code altdiffusion.blasThreads}.
 * @param parallelGuidance whether a guided step runs its unconditional and conditional UNet passes
 *     side by side, each on half of the torch threads ({@link ParallelPair}), instead of as one
 *     batch on all of them: {@code auto} (default; see {@link ParallelGuidance#AUTO}), {@code true}
 *     or {@code false}. Environment {@code ALTDIFFUSION_PARALLEL_GUIDANCE}, system property {@code
 *     altdiffusion.parallelGuidance}. Measured by {@code ./altdiffusion bench generate} and {@code
 *     ./altdiffusion bench unet --parallel-guidance}.
 */
public record ThreadSettings(int torchThreads, int blasThreads, ParallelGuidance parallelGuidance) {

  /** When a guided step runs its two UNet passes side by side. */
  public enum ParallelGuidance {
    /**
     * Side by side when there are at least 2 torch threads and the passes are small: at most {@link
     * #AUTO_LIMIT} values in the UNet's first-level feature map per pass. The built-in model (32
     * channels x 16 x 16 = 8,192) generated in 0.85-0.92x the time of one batch; the full-size SD
     * 2.1 UNet at 512x512 (320 x 64 x 64 = 1.3 M) took 0.96x, within the noise, and the bench run
     * that also ran it side by side peaked at 5.0 GB RSS against 4.4 GB batched only (each worker
     * keeps its own malloc arena), so large passes stay batched.
     */
    AUTO,
    /** Always side by side (with at least 2 torch threads: with one, there is no second core). */
    ON,
    /** Always one batch of 2, as diffusers runs it. */
    OFF;

    /**
     * First-level feature-map values per pass up to which {@link #AUTO} runs the passes side by
     * side.
     */
    public static final long AUTO_LIMIT = 1L << 18;

    /**
     * Whether passes whose UNet first level holds {@code firstLevelValues} values each run side by
     * side.
     */
    public boolean sideBySide(long firstLevelValues, int torchThreads) {
      if (torchThreads < 2) return false;
      return this == ON || (this == AUTO && firstLevelValues <= AUTO_LIMIT);
    }
  }

  public ThreadSettings {
    if (torchThreads < 1)
      throw new IllegalArgumentException("torch threads must be >= 1, got " + torchThreads);
    if (blasThreads < 1)
      throw new IllegalArgumentException("BLAS threads must be >= 1, got " + blasThreads);
    if (parallelGuidance == null)
      throw new IllegalArgumentException("parallel guidance must be auto, true or false, got null");
  }

  /** Parallel guidance {@code auto}. */
  public ThreadSettings(int torchThreads, int blasThreads) {
    this(torchThreads, blasThreads, ParallelGuidance.AUTO);
  }

  /** The default: every core to torch, one to OpenBLAS, overridable by property or environment. */
  public static ThreadSettings fromEnvironment() {
    int cores = Runtime.getRuntime().availableProcessors();
    int torchThreads = read("altdiffusion.torchThreads", "ALTDIFFUSION_TORCH_THREADS", cores);
    return new ThreadSettings(
        torchThreads,
        read("altdiffusion.blasThreads", "ALTDIFFUSION_BLAS_THREADS", 1),
        readParallelGuidance("altdiffusion.parallelGuidance", "ALTDIFFUSION_PARALLEL_GUIDANCE"));
  }

  private static int read(String property, String env, int fallback) {
    Setting s = lookup(property, env);
    if (s == null) return fallback;
    try {
      return Integer.parseInt(s.value().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          s.source() + " must be a positive integer, got '" + s.value() + "'");
    }
  }

  private static ParallelGuidance readParallelGuidance(String property, String env) {
    Setting s = lookup(property, env);
    if (s == null) return ParallelGuidance.AUTO;
    return switch (s.value().trim().toLowerCase(Locale.ROOT)) {
      case "auto" -> ParallelGuidance.AUTO;
      case "true" -> ParallelGuidance.ON;
      case "false" -> ParallelGuidance.OFF;
      default ->
          throw new IllegalArgumentException(
              s.source() + " must be auto, true or false, got '" + s.value() + "'");
    };
  }

  private record Setting(String value, String source) {}

  /** The system property, else the environment variable; null when neither is set. */
  private static Setting lookup(String property, String env) {
    String value = System.getProperty(property);
    if (value != null && !value.isBlank()) return new Setting(value, "system property " + property);
    value = System.getenv(env);
    if (value != null && !value.isBlank()) return new Setting(value, "environment variable " + env);
    return null;
  }

  @Override
  public String toString() {
    return "torch="
        + torchThreads
        + " openblas="
        + blasThreads
        + " parallel-guidance="
        + parallelGuidance.name().toLowerCase(Locale.ROOT);
  }
}
