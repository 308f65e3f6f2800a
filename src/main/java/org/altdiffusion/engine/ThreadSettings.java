package org.altdiffusion.engine;

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
 */
public record ThreadSettings(int torchThreads, int blasThreads) {

  public ThreadSettings {
    if (torchThreads < 1) throw new IllegalArgumentException("torch threads must be >= 1, got " + torchThreads);
    if (blasThreads < 1) throw new IllegalArgumentException("BLAS threads must be >= 1, got " + blasThreads);
  }

  /** The default: every core to torch, one to OpenBLAS, overridable by property or environment. */
  public static ThreadSettings fromEnvironment() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new ThreadSettings(
        read("altdiffusion.torchThreads", "ALTDIFFUSION_TORCH_THREADS", cores),
        read("altdiffusion.blasThreads", "ALTDIFFUSION_BLAS_THREADS", 1));
  }

  private static int read(String property, String env, int fallback) {
    String value = System.getProperty(property);
    String source = "system property " + property;
    if (value == null) {
      value = System.getenv(env);
      source = "environment variable " + env;
    }
    if (value == null || value.isBlank()) return fallback;
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(source + " must be a positive integer, got '" + value + "'");
    }
  }

  @Override
  public String toString() {
    return "torch=" + torchThreads + " openblas=" + blasThreads;
  }
}
