package org.altdiffusion.eval;

/**
 * The part of NumPy's legacy {@code np.random.RandomState(seed)} that metrics use to shuffle
 * samples: the MT19937 generator seeded as {@code init_genrand}, and {@code permutation(n)} (a
 * Fisher-Yates shuffle from the end, each index drawn by masked rejection), so a shuffle here is
 * the one torch-fidelity makes with {@code RandomState(2020)}.
 */
public final class NumpyRandomState {
  private static final int N = 624;
  private static final int M = 397;
  private final int[] state = new int[N];
  private int position;

  /** {@code RandomState(seed)} for a seed in [0, 2^32). */
  public NumpyRandomState(long seed) {
    if (seed < 0 || seed > 0xffffffffL) {
      throw new IllegalArgumentException("a RandomState seed is in [0, 2^32), got " + seed);
    }
    long s = seed;
    for (int i = 0; i < N; i++) {
      state[i] = (int) s;
      s = (1812433253L * (s ^ (s >>> 30)) + i + 1) & 0xffffffffL;
    }
    position = N;
  }

  /** {@code permutation(n)}: 0..n-1 shuffled. */
  public int[] permutation(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) out[i] = i;
    for (int i = n - 1; i >= 1; i--) {
      int j = (int) interval(i);
      int t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }

  /** A uniform integer in [0, max] by masked rejection, as NumPy's {@code random_interval}. */
  private long interval(long max) {
    long mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    long value;
    do {
      value = nextUint32() & mask;
    } while (value > max);
    return value;
  }

  private long nextUint32() {
    if (position >= N) twist();
    int y = state[position++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y & 0xffffffffL;
  }

  private void twist() {
    for (int i = 0; i < N; i++) {
      int y = (state[i] & 0x80000000) | (state[(i + 1) % N] & 0x7fffffff);
      int next = state[(i + M) % N] ^ (y >>> 1);
      state[i] = (y & 1) != 0 ? next ^ 0x9908b0df : next;
    }
    position = 0;
  }
}
