package org.altdiffusion.tiny.data;

import java.util.Locale;

/**
 * Which samples a {@link ShapesDataset} gives. Sizes are the defaults of {@link ShapesDataset#of};
 * every split is generated on demand, so any size can be asked for.
 */
public enum Split {
  /**
   * Training combinations (352), captions of all four templates; default 352 x 50 = 17,600 samples.
   */
  TRAIN(50),
  /**
   * Training combinations again, rendered from another stream (new jitter, backgrounds), FULL
   * captions; 352 x 2 = 704.
   */
  VALIDATION(2),
  /** The 48 held-out combinations, never in TRAIN, FULL captions; 48 x 10 = 480. */
  HELDOUT(10);

  private final int repeats;

  Split(int repeats) {
    this.repeats = repeats;
  }

  /** Default number of samples per combination. */
  public int repeats() {
    return repeats;
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Split parse(String key) {
    return Attributes.parseEnum(Split.class, key, "split");
  }
}
