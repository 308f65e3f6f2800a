package org.altdiffusion.train;

/** What a run does when a step's loss or gradient norm is NaN or infinite. */
public enum NonFinitePolicy {
  /** Stop, naming the step and the last good checkpoint (the default). */
  STOP,
  /** Leave the weights unchanged for that step, count it and go on (stops after 10 in a row). */
  SKIP;

  public static NonFinitePolicy parse(String s) {
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "stop" -> STOP;
      case "skip" -> SKIP;
      default ->
          throw new IllegalArgumentException(
              "unknown non-finite loss policy '" + s + "'; accepted: stop, skip");
    };
  }
}
