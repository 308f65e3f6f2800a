package org.altdiffusion.train.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The order in which one process reads a {@link Dataset}: epochs of a permutation seeded by (seed,
 * epoch) (or index order without shuffling), laid end to end as one global sequence; process {@code
 * rank} of {@code world} reads positions {@code rank, rank + world, rank + 2 world, ...}. Skipped
 * examples are counted and replaced by the next position. The state is the number of positions read
 * and the skip counts: restoring them continues the exact same sequence.
 */
public final class SampleStream<T> {
  private final Dataset<T> dataset;
  private final long seed;
  private final boolean shuffle;
  private final int rank;
  private final int world;
  private long position;
  private final EnumMap<SkipReason, Long> skipped = new EnumMap<>(SkipReason.class);
  private final List<String> recentSkips = new ArrayList<>();
  private long cachedEpoch = -1;
  private int[] cachedOrder;

  public SampleStream(Dataset<T> dataset, long seed, boolean shuffle, int rank, int world) {
    if (dataset.size() == 0)
      throw new IllegalArgumentException("the training data is empty: " + dataset.describe());
    this.dataset = dataset;
    this.seed = seed;
    this.shuffle = shuffle;
    this.rank = rank;
    this.world = world;
    for (SkipReason r : SkipReason.values()) skipped.put(r, 0L);
  }

  /**
   * The next {@code count} usable examples of this process for a global batch of {@code count *
   * world} rows: the i-th gets slot {@code rank + i * world}.
   */
  public Batch<T> next(int count) {
    List<T> items = new ArrayList<>(count);
    long[] slots = new long[count];
    for (int i = 0; i < count; i++) {
      items.add(nextUsable());
      slots[i] = rank + (long) i * world;
    }
    return new Batch<>(items, slots, count * world);
  }

  private T nextUsable() {
    int consecutive = 0;
    while (true) {
      long global = rank + position * world;
      position++;
      int index = indexAt(global);
      try {
        return dataset.get(index);
      } catch (SkippedSample s) {
        skipped.merge(s.reason(), 1L, Long::sum);
        if (recentSkips.size() < 20) recentSkips.add("#" + index + " " + s.getMessage());
        if (++consecutive >= Math.max(1000, dataset.size())) {
          throw new IllegalStateException(
              "no usable example in "
                  + consecutive
                  + " tries ("
                  + dataset.describe()
                  + "); first problems: "
                  + recentSkips);
        }
      }
    }
  }

  /** The dataset index at position {@code global} of the global sequence. */
  int indexAt(long global) {
    int n = dataset.size();
    long epoch = global / n;
    int offset = (int) (global % n);
    if (!shuffle) return offset;
    if (epoch != cachedEpoch) {
      cachedOrder = permutation(n, seed, epoch);
      cachedEpoch = epoch;
    }
    return cachedOrder[offset];
  }

  /** Fisher-Yates with a SplittableRandom of (seed, epoch): the same on every JVM. */
  static int[] permutation(int n, long seed, long epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  public long position() {
    return position;
  }

  /** Epochs completed by the global sequence this process is at. */
  public double epoch() {
    return (double) (rank + position * world) / dataset.size();
  }

  public Map<SkipReason, Long> skipped() {
    return new EnumMap<>(skipped);
  }

  /** A few of the skipped examples with their reasons (the first 20). */
  public List<String> recentSkips() {
    return List.copyOf(recentSkips);
  }

  /** The state for a checkpoint: position, then one count per {@link SkipReason}. */
  public long[] state() {
    long[] out = new long[1 + SkipReason.values().length];
    out[0] = position;
    for (SkipReason r : SkipReason.values()) out[1 + r.ordinal()] = skipped.get(r);
    return out;
  }

  public void restore(long[] state) {
    if (state.length != 1 + SkipReason.values().length)
      throw new IllegalArgumentException("data state has " + state.length + " entries");
    position = state[0];
    for (SkipReason r : SkipReason.values()) skipped.put(r, state[1 + r.ordinal()]);
  }

  public Dataset<T> dataset() {
    return dataset;
  }
}
