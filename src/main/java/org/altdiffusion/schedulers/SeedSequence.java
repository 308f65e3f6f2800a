package org.altdiffusion.schedulers;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * numpy's {@code np.random.SeedSequence(entropy, spawn_key=..., pool_size=...)} and its {@code
 * generate_state(n)} (uint32 words), the hashing torchsde derives every Brownian-tree seed with.
 * All arithmetic is on unsigned 32-bit words (Java ints, wrapping as numpy's uint32 does).
 */
final class SeedSequence {
  private static final int INIT_A = 0x43b0d7e5;
  private static final int MULT_A = 0x931e8875;
  private static final int INIT_B = 0x8b51f9dd;
  private static final int MULT_B = 0x58f38ded;
  private static final int MIX_MULT_L = 0xca01f9dd;
  private static final int MIX_MULT_R = 0x4973f715;
  private static final int XSHIFT = 16;

  /** numpy's DEFAULT_POOL_SIZE, the smallest pool it accepts. */
  static final int MIN_POOL_SIZE = 4;

  private final int[] pool;

  /**
   * @param entropy the run's entropy, a non-negative integer (numpy splits it into 32-bit words,
   *     least significant first)
   * @param spawnKey the spawn key, non-negative integers (each split into words the same way)
   * @param poolSize words of pooled entropy, at least 4
   */
  SeedSequence(BigInteger entropy, List<BigInteger> spawnKey, int poolSize) {
    if (poolSize < MIN_POOL_SIZE)
      throw new IllegalArgumentException(
          "pool_size must be at least " + MIN_POOL_SIZE + ", got " + poolSize);
    List<Integer> run = words(entropy);
    List<Integer> spawn = new ArrayList<>();
    for (BigInteger k : spawnKey) spawn.addAll(words(k));
    // numpy >= 1.19 pads the run entropy to the pool size when there is a spawn key (gh-16539).
    if (!spawn.isEmpty()) while (run.size() < poolSize) run.add(0);
    run.addAll(spawn);
    pool = new int[poolSize];
    mixEntropy(run);
  }

  /** The first {@code n} uint32 words of the state (numpy's {@code generate_state(n)}). */
  long[] generateState(int n) {
    long[] out = new long[n];
    int hashConst = INIT_B;
    for (int i = 0; i < n; i++) {
      int v = pool[i % pool.length];
      v ^= hashConst;
      hashConst *= MULT_B;
      v *= hashConst;
      v ^= v >>> XSHIFT;
      out[i] = Integer.toUnsignedLong(v);
    }
    return out;
  }

  private void mixEntropy(List<Integer> entropy) {
    int[] hashConst = {INIT_A};
    for (int i = 0; i < pool.length; i++)
      pool[i] = hashmix(i < entropy.size() ? entropy.get(i) : 0, hashConst);
    for (int src = 0; src < pool.length; src++)
      for (int dst = 0; dst < pool.length; dst++)
        if (src != dst) pool[dst] = mix(pool[dst], hashmix(pool[src], hashConst));
    for (int src = pool.length; src < entropy.size(); src++)
      for (int dst = 0; dst < pool.length; dst++)
        pool[dst] = mix(pool[dst], hashmix(entropy.get(src), hashConst));
  }

  private static int hashmix(int value, int[] hashConst) {
    value ^= hashConst[0];
    hashConst[0] *= MULT_A;
    value *= hashConst[0];
    return value ^ (value >>> XSHIFT);
  }

  private static int mix(int x, int y) {
    int result = MIX_MULT_L * x - MIX_MULT_R * y;
    return result ^ (result >>> XSHIFT);
  }

  /** numpy's {@code _int_to_uint32_array}: 32-bit words, least significant first; 0 is [0]. */
  private static List<Integer> words(BigInteger n) {
    if (n.signum() < 0)
      throw new IllegalArgumentException("SeedSequence entropy must be non-negative, got " + n);
    List<Integer> out = new ArrayList<>();
    if (n.signum() == 0) out.add(0);
    while (n.signum() > 0) {
      out.add(n.intValue()); // the low 32 bits
      n = n.shiftRight(32);
    }
    return out;
  }
}
