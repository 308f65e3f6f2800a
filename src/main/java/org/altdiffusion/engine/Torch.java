package org.altdiffusion.engine;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads the libtorch natives once and sets both thread pools (see {@link ThreadSettings}).
 * Call {@link #init()} before the first tensor operation; it is cheap after the first call.
 */
public final class Torch {
  private static volatile ThreadSettings applied;

  private Torch() {}

  /** Loads natives and applies {@link ThreadSettings#fromEnvironment()}. Idempotent. */
  public static ThreadSettings init() {
    return init(ThreadSettings.fromEnvironment());
  }

  /**
   * Loads natives and applies {@code settings}. The interop pool can be sized only once per
   * process, so later calls change only the intra-op and BLAS pools.
   */
  public static synchronized ThreadSettings init(ThreadSettings settings) {
    if (settings.equals(applied)) return applied;
    try {
      org.bytedeco.javacpp.Loader.load(torch.class);
    } catch (UnsatisfiedLinkError e) {
      throw new IllegalStateException(
          "could not load the libtorch natives for platform "
              + org.bytedeco.javacpp.Loader.getPlatform()
              + "; this build ships linux-x86_64 natives: " + e.getMessage(), e);
    }
    if (applied == null) {
      // One interop thread: we never run independent ops concurrently inside a graph.
      torch.set_num_interop_threads(1);
    }
    openblas_nolapack.blas_set_num_threads(settings.blasThreads());
    torch.set_num_threads(settings.torchThreads());
    applied = settings;
    return settings;
  }

  /** The settings in force, or null before {@link #init()}. */
  public static ThreadSettings applied() {
    return applied;
  }
}
