package org.altdiffusion.engine;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.pytorch.global.torch;

/**
 * Loads the libtorch natives once and sets both thread pools (see {@link ThreadSettings}). Call
 * {@link #init()} before the first tensor operation; it is cheap after the first call.
 */
public final class Torch {
  private static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";
  private static volatile ThreadSettings applied;

  static {
    configureJavaCpp();
  }

  /**
   * Turns off JavaCPP's physical-memory cap unless the user set one. With a cap, JavaCPP reads
   * /proc/self/statm at every native allocation: 1.6 of the 3 microseconds a small tensor op took
   * here, a sixth of a small model's step. We free native memory by scope and check what a
   * generation needs before it starts ({@code MemoryEstimate}), so the cap bought nothing. It must
   * run before JavaCPP's Pointer class loads: the CLI calls it first thing; API users who touch
   * JavaCPP before {@link #init()} can pass {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes=0}.
   */
  public static void configureJavaCpp() {
    if (System.getProperty(MAX_PHYSICAL_BYTES) == null) System.setProperty(MAX_PHYSICAL_BYTES, "0");
  }

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
              + "; this build ships linux-x86_64 natives: "
              + e.getMessage(),
          e);
    }
    if (applied == null) {
      // One interop thread: we never run independent ops concurrently inside a graph.
      torch.set_num_interop_threads(1);
    }
    openblas_nolapack.blas_set_num_threads(settings.blasThreads());
    torch.set_num_threads(settings.torchThreads());
    applied = settings;
    ParallelPair.reset(); // its workers size their pools from these settings
    return settings;
  }

  /** The settings in force, applying {@link #init()}'s when none are yet. */
  public static ThreadSettings current() {
    ThreadSettings settings = applied;
    return settings != null ? settings : init();
  }

  /** The settings in force, or null before {@link #init()}. */
  public static ThreadSettings applied() {
    return applied;
  }
}
