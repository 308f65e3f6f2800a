package org.altdiffusion.tiny.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The synthetic multilingual shapes dataset: 64x64 pictures of one coloured shape with parallel
 * captions in the 18 languages of AltDiffusion-m18, generated on demand and bit-identical for the
 * same (seed, split, index).
 *
 * <p>Sample {@code i} shows combination {@code order[i % n]}, where {@code order} is a seeded
 * permutation of the split's n combinations (so every combination appears equally often and any
 * window of n consecutive indices has each once); its jitter, background and caption template come
 * from a generator seeded with (seed, split, i). TRAIN captions use {@link CaptionTemplate#FULL}
 * half of the time and each other complete template a sixth of the time; VALIDATION and HELDOUT
 * always use FULL, the evaluation prompt. With a partial-caption share p &gt; 0, a TRAIN caption is
 * then replaced, with probability p, by a partial caption ({@link CaptionTemplate#PARTIAL}, each
 * equally likely: "red", "circle", "a large circle on the left", "a red shape"...); the draws come
 * after the scene's and the template's, so p = 0 gives the original dataset bit for bit.
 *
 * <p>Sizes by default (see {@link Split}): TRAIN 17,600 (352 combinations x 50), VALIDATION 704
 * (352 x 2), HELDOUT 480 (48 x 10); {@link #of(long, Split, int)} takes any size.
 */
public final class ShapesDataset {
  private final long seed;
  private final Split split;
  private final int size;
  private final Combinations combinations;
  private final List<Attributes> order;
  private final Captions captions;
  private final double partialShare;

  private ShapesDataset(long seed, Split split, int size, double partialShare) {
    if (split == null)
      throw new IllegalArgumentException("split is required; accepted: train, validation, heldout");
    if (size < 0) throw new IllegalArgumentException("size must be >= 0, got " + size);
    if (!(partialShare >= 0 && partialShare <= 1))
      throw new IllegalArgumentException(
          "partial-caption share must be in [0, 1], got " + partialShare);
    this.partialShare = partialShare;
    this.seed = seed;
    this.split = split;
    this.size = size;
    this.combinations = Combinations.of(seed);
    List<Attributes> combos =
        new ArrayList<>(split == Split.HELDOUT ? combinations.heldOut() : combinations.training());
    Combinations.shuffle(combos, SplitMix.of(seed, 0x4F52_4445_52L /* "ORDER" */, split.ordinal()));
    this.order = Collections.unmodifiableList(combos);
    this.captions = Captions.bundled();
  }

  /** The split with its default size (combinations x {@link Split#repeats()}). */
  public static ShapesDataset of(long seed, Split split) {
    return new ShapesDataset(
        seed, split, split == null ? 0 : combinationCount(split) * split.repeats(), 0);
  }

  /** The split with {@code size} samples. */
  public static ShapesDataset of(long seed, Split split, int size) {
    return new ShapesDataset(seed, split, size, 0);
  }

  /**
   * The split with {@code size} samples, a share {@code partialShare} (0..1) of its TRAIN captions
   * partial (see the class comment).
   */
  public static ShapesDataset of(long seed, Split split, int size, double partialShare) {
    return new ShapesDataset(seed, split, size, partialShare);
  }

  /** The share of TRAIN captions that are partial. */
  public double partialShare() {
    return partialShare;
  }

  private static int combinationCount(Split split) {
    return split == Split.HELDOUT
        ? Combinations.HELD_OUT
        : Attributes.COUNT - Combinations.HELD_OUT;
  }

  public long seed() {
    return seed;
  }

  public Split split() {
    return split;
  }

  public int size() {
    return size;
  }

  /** The training / held-out split of the combinations (the same for every split of one seed). */
  public Combinations combinations() {
    return combinations;
  }

  /**
   * This split's combinations in sample order: sample i shows {@code combinationOrder().get(i %
   * n)}.
   */
  public List<Attributes> combinationOrder() {
    return order;
  }

  /** Sample {@code index}, rendered now. */
  public Sample get(int index) {
    if (index < 0 || index >= size)
      throw new IndexOutOfBoundsException(
          "sample " + index + " of a " + split.key() + " set of " + size);
    SplitMix rng = SplitMix.of(seed, 0x5341_4D50_4C45L /* "SAMPLE" */, split.ordinal(), index);
    Attributes attributes = order.get(index % order.size());
    Scene scene = Scene.random(attributes, rng);
    CaptionTemplate template = split == Split.TRAIN ? trainingTemplate(rng) : CaptionTemplate.FULL;
    if (split == Split.TRAIN && partialShare > 0 && rng.nextDouble() < partialShare)
      template = CaptionTemplate.PARTIAL.get(rng.nextInt(CaptionTemplate.PARTIAL.size()));
    return new Sample(
        split,
        index,
        scene,
        template,
        captions.all(attributes, template),
        ShapeRenderer.renderRgb(scene));
  }

  /**
   * Samples {@code from} (inclusive) to {@code to} (exclusive), rendered in parallel when asked.
   */
  public Stream<Sample> stream(int from, int to, boolean parallel) {
    if (from < 0 || to > size || from > to)
      throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") of a set of " + size);
    IntStream indices = IntStream.range(from, to);
    return (parallel ? indices.parallel() : indices).mapToObj(this::get);
  }

  /** FULL half the time, each other template a sixth. */
  private static CaptionTemplate trainingTemplate(SplitMix rng) {
    int roll = rng.nextInt(6);
    return switch (roll) {
      case 0 -> CaptionTemplate.COLOUR_SHAPE;
      case 1 -> CaptionTemplate.SIZE_COLOUR_SHAPE;
      case 2 -> CaptionTemplate.COLOUR_SHAPE_POSITION;
      default -> CaptionTemplate.FULL;
    };
  }

  /**
   * Parallel caption pairs for text-encoder distillation, one per distinct meaning and language
   * (English included, paired with itself). TRAIN and VALIDATION: every template's meanings among
   * the training combinations (352 FULL + 200 colour-shape-position + 80 size-colour-shape + 40
   * colour-shape = 672 meanings, x 18 = 12,096 pairs); HELDOUT: the FULL captions of the held-out
   * combinations (48 x 18 = 864), kept out of distillation so held-out prompts stay unseen. With a
   * partial-caption share &gt; 0, TRAIN and VALIDATION add the partial meanings of the training
   * combinations after those.
   */
  public List<CaptionPair> captionPairs() {
    List<Attributes> combos =
        split == Split.HELDOUT ? combinations.heldOut() : combinations.training();
    List<CaptionPair> out = new ArrayList<>();
    List<CaptionTemplate> templates = new ArrayList<>(CaptionTemplate.COMPLETE);
    if (partialShare > 0 && split != Split.HELDOUT) templates.addAll(CaptionTemplate.PARTIAL);
    for (CaptionTemplate t : templates) {
      if (split == Split.HELDOUT && t != CaptionTemplate.FULL) continue;
      Set<Attributes> meanings = new LinkedHashSet<>();
      for (Attributes a : combos) meanings.add(t.project(a));
      for (Attributes m : meanings) {
        String english = captions.caption(Language.EN, m, t);
        for (Language l : Language.values())
          out.add(new CaptionPair(l, t, m, english, captions.caption(l, m, t)));
      }
    }
    return out;
  }
}
