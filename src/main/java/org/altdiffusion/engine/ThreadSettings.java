package org.altdiffusion.engine;

import java.util.Locale;

/**
 * How many threads the two native pools get.
 *
 * <p>libtorch runs its own OpenMP pool for elementwise ops, convolutions and attention, while
 * matrix products go to OpenBLAS, which keeps a second pool. With both pools at the core count
 * they oversubscribe the cores (a small training step ran 9x slower on 2 cores), and OpenBLAS
 * threads inside the fused attention kernel are ruinous (a 2x5x4096x64 attention: 0.6 s with one
 * BLAS thread, 14-15 s with two), so by default torch gets every core and OpenBLAS one thread.
 * Large inference Linear products still use every core: {@link RowParallel} runs them as one
 * single-threaded BLAS product per torch thread. Measured by {@code ./altdiffusion bench threads}
 * and {@code ./altdiffusion bench unet}.
 *
 * @param torchThreads intra-op threads of libtorch; default: available processors.
 *     Environment {@code ALTDIFFUSION_TORCH_THREADS}, system property {@code altdiffusion.torchThreads}.
 * @param blasThreads OpenBLAS threads; default 1.
 *     Environment {@code ALTDIFFUSION_BLAS_THREADS}, system property {@code altdiffusion.blasThreads}.
 * @param parallelGuidance whether a guided step runs its unconditional and conditional UNet passes
 *     side by side, each on half of the torch threads ({@link ParallelPair}), instead of as one
 *     batch on all of them; default: when there are at least 2 torch threads. Environment
 *     {@code ALTDIFFUSION_PARALLEL_GUIDANCE}, system property {@code altdiffusion.parallelGuidance}
 *     ({@code true} or {@code false}). Measured by {@code ./altdiffusion bench generate}.
 */
public record ThreadSettings(int torchThreads, int blasThreads, boolean parallelGuidance) {

  public ThreadSettings {
    if (torchThreads < 1) throw new IllegalArgumentException("torch threads must be >= 1, got " + torchThreads);
    if (blasThreads < 1) throw new IllegalArgumentException("BLAS threads must be >= 1, got " + blasThreads);
  }

  /** Parallel guidance by default when there are cores to share. */
  public ThreadSettings(int torchThreads, int blasThreads) {
    this(torchThreads, blasThreads, torchThreads >= 2);
  }

  /** The default: every core to torch, one to OpenBLAS, overridable by property or environment. */
  public static ThreadSettings fromEnvironment() {
    int cores = Runtime.getRuntime().availableProcessors();
    int torchThreads = read("altdiffusion.torchThreads", "ALTDIFFUSION_TORCH_THREADS", cores);
    return new ThreadSettings(torchThreads, read("altdiffusion.blasThreads", "ALTDIFFUSION_BLAS_THREADS", 1),
        readBoolean("altdiffusion.parallelGuidance", "ALTDIFFUSION_PARALLEL_GUIDANCE", torchThreads >= 2));
  }

  private static int read(String property, String env, int fallback) {
    Setting s = lookup(property, env);
    if (s == null) return fallback;
    try {
      return Integer.parseInt(s.value().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(s.source() + " must be a positive integer, got '" + s.value() + "'");
    }
  }

  private static boolean readBoolean(String property, String env, boolean fallback) {
    Setting s = lookup(property, env);
    if (s == null) return fallback;
    return switch (s.value().trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(s.source() + " must be true or false, got '" + s.value() + "'");
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
    return "torch=" + torchThreads + " openblas=" + blasThreads + " parallel-guidance=" + parallelGuidance;
  }
}
