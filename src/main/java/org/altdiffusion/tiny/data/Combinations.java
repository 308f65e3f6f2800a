package org.altdiffusion.tiny.data;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The split of the 400 attribute combinations into training and held-out ones. {@value #HELD_OUT}
 * combinations (12%) are held out, chosen by a seeded greedy rule: go through all combinations in a
 * seeded order and hold one out only while, for every proper subset of its attributes (each single
 * attribute, pair and triple), at most a quarter (at least one) of the combinations sharing those
 * values are held out. So every attribute value, every pair of values and every triple stays in
 * training (a triple such as "small red circle" keeps at least one of its positions); held-out
 * samples test new combinations of known parts, and captions that do not mention all four
 * attributes always describe training combinations too.
 */
public final class Combinations {
  /** Number of held-out combinations out of {@link Attributes#COUNT}. */
  public static final int HELD_OUT = 48;

  private static final int ATTRIBUTES = 4;
  private static final int[] CARDINALITY = {
    Shape.values().length, Colour.values().length, Position.values().length, Size.values().length
  };

  private final long seed;
  private final BitSet heldOut = new BitSet(Attributes.COUNT);
  private final List<Attributes> training;
  private final List<Attributes> heldOutList;

  private Combinations(long seed) {
    this.seed = seed;
    List<Attributes> order = new ArrayList<>(Attributes.all());
    shuffle(order, SplitMix.of(seed, 0x4845_4c44L /* "HELD" */));
    Map<Long, Integer> counts = new HashMap<>();
    for (Attributes a : order) {
      if (heldOut.cardinality() == HELD_OUT) break;
      if (fits(a, counts)) {
        heldOut.set(a.index());
        for (int mask = 1; mask < (1 << ATTRIBUTES) - 1; mask++)
          counts.merge(groupKey(a, mask), 1, Integer::sum);
      }
    }
    if (heldOut.cardinality() != HELD_OUT)
      throw new IllegalStateException(
          "held-out rule found only " + heldOut.cardinality() + " combinations for seed " + seed);
    List<Attributes> t = new ArrayList<>();
    List<Attributes> h = new ArrayList<>();
    for (Attributes a : Attributes.all()) (heldOut.get(a.index()) ? h : t).add(a);
    this.training = Collections.unmodifiableList(t);
    this.heldOutList = Collections.unmodifiableList(h);
  }

  /** The split for {@code seed}. */
  public static Combinations of(long seed) {
    return new Combinations(seed);
  }

  public long seed() {
    return seed;
  }

  public boolean isHeldOut(Attributes a) {
    return heldOut.get(a.index());
  }

  /**
   * The {@value Attributes#COUNT} - {@value #HELD_OUT} = 352 training combinations, in {@link
   * Attributes#all()} order.
   */
  public List<Attributes> training() {
    return training;
  }

  /** The {@value #HELD_OUT} held-out combinations, in {@link Attributes#all()} order. */
  public List<Attributes> heldOut() {
    return heldOutList;
  }

  /**
   * Combinations sharing the attributes in {@code mask} (bit 0 shape ... bit 3 size) with {@code
   * a}.
   */
  static int groupSize(int mask) {
    int n = 1;
    for (int i = 0; i < ATTRIBUTES; i++) if ((mask & (1 << i)) == 0) n *= CARDINALITY[i];
    return n;
  }

  /** Most held-out combinations allowed in a group of {@code size}: a quarter, at least one. */
  static int cap(int size) {
    return Math.max(1, size / 4);
  }

  private static boolean fits(Attributes a, Map<Long, Integer> counts) {
    for (int mask = 1; mask < (1 << ATTRIBUTES) - 1; mask++) {
      if (counts.getOrDefault(groupKey(a, mask), 0) + 1 > cap(groupSize(mask))) return false;
    }
    return true;
  }

  static long groupKey(Attributes a, int mask) {
    int[] v = {
      a.shape().ordinal(), a.colour().ordinal(), a.position().ordinal(), a.size().ordinal()
    };
    long key = mask;
    for (int i = 0; i < ATTRIBUTES; i++) key = key * 16 + ((mask & (1 << i)) != 0 ? v[i] : 15);
    return key;
  }

  static <T> void shuffle(List<T> list, SplitMix rng) {
    for (int i = list.size() - 1; i > 0; i--) Collections.swap(list, i, rng.nextInt(i + 1));
  }
}
