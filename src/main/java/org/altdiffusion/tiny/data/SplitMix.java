package org.altdiffusion.tiny.data;

/**
 * SplitMix64, written out here so that a seed gives the same pictures on every JVM (the JDK does
 * not promise its generators' algorithms). Not thread-safe; one per sample.
 */
final class SplitMix {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;
  private long state;

  SplitMix(long seed) {
    this.state = seed;
  }

  /** A generator for the stream named by {@code parts} (seed, split, index, ...): order matters. */
  static SplitMix of(long... parts) {
    long s = 0x5DEECE66DL;
    for (long p : parts) s = mix(s ^ mix(p + GOLDEN));
    return new SplitMix(s);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    state += GOLDEN;
    return mix(state);
  }

  /** Uniform in [0, 1), 53 random bits. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [lo, hi). */
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * nextDouble();
  }

  /**
   * Uniform in [0, bound), bound > 0 (multiply-shift on 32 random bits; bias below 2^-20 for our
   * bounds).
   */
  int nextInt(int bound) {
    if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
    return (int) (((nextLong() >>> 32) * bound) >>> 32);
  }
}
