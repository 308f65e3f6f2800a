package org.altdiffusion.nn;

import java.util.List;
import java.util.Map;
import org.altdiffusion.io.Names;

/**
 * Strict loading failed: every missing, unexpected and wrongly shaped key, by name, in one error.
 */
public final class StateDictException extends RuntimeException {
  private final List<String> missing;
  private final List<String> unexpected;
  private final List<String> wrongShape;

  public StateDictException(
      String what, List<String> missing, List<String> unexpected, List<String> wrongShape) {
    this(what, missing, unexpected, wrongShape, Map.of());
  }

  /**
   * As above; {@code storedAs} gives, for unexpected keys read through a renamed view, the key in
   * the file, shown next to the name in the message ({@link #unexpected()} lists the names alone).
   */
  public StateDictException(
      String what,
      List<String> missing,
      List<String> unexpected,
      List<String> wrongShape,
      Map<String, String> storedAs) {
    super(
        message(
            what,
            missing,
            unexpected.stream()
                .map(
                    k ->
                        storedAs.containsKey(k)
                            ? k + " (stored as " + Names.quote(storedAs.get(k)) + ")"
                            : k)
                .toList(),
            wrongShape));
    this.missing = List.copyOf(missing);
    this.unexpected = List.copyOf(unexpected);
    this.wrongShape = List.copyOf(wrongShape);
  }

  public List<String> missing() {
    return missing;
  }

  public List<String> unexpected() {
    return unexpected;
  }

  public List<String> wrongShape() {
    return wrongShape;
  }

  private static String message(
      String what, List<String> missing, List<String> unexpected, List<String> wrongShape) {
    StringBuilder b = new StringBuilder("weights do not fit " + what + ":");
    section(b, "missing", missing);
    section(b, "unexpected", unexpected);
    section(b, "wrong shape", wrongShape);
    return b.toString();
  }

  private static void section(StringBuilder b, String title, List<String> keys) {
    if (keys.isEmpty()) return;
    b.append("\n  ").append(keys.size()).append(' ').append(title).append(':');
    int shown = 0;
    for (String k : keys) {
      if (shown++ == 20) {
        b.append("\n    ... and ").append(keys.size() - 20).append(" more");
        break;
      }
      b.append("\n    ").append(k);
    }
  }
}
