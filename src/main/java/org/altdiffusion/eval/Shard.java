package org.altdiffusion.eval;

/**
 * Part {@code index} of {@code count} of a benchmark: the prompts at positions {@code p} with
 * {@code p % count == index} (0-based), so every language is spread over all parts. Written {@code
 * I/N} on the command line (Slurm's array index, a Kubernetes job's completion index, ...).
 */
public record Shard(int index, int count) {
  /** The whole benchmark in one process. */
  public static final Shard ALL = new Shard(0, 1);

  public Shard {
    if (count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException(
          "shard " + index + "/" + count + ": needs 0 <= I < N (I is 0-based)");
    }
  }

  /** Parses {@code I/N}. */
  public static Shard parse(String text) {
    String[] parts = text.trim().split("/", -1);
    try {
      if (parts.length == 2)
        return new Shard(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException("--shard '" + text + "': expected I/N, e.g. 0/3, 1/3, 2/3");
  }

  /** Whether the prompt at {@code position} of the file belongs to this part. */
  public boolean owns(int position) {
    return position % count == index;
  }

  /** The part's file name. */
  public String partName() {
    return "part-" + index + "-of-" + count + ".jsonl";
  }
}
