package org.altdiffusion.tiny.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a caption says about a picture: one shape of one colour at one position in one size. The 5 x
 * 8 x 5 x 2 = 400 combinations are the units of the held-out split ({@link Combinations}).
 */
public record Attributes(Shape shape, Colour colour, Position position, Size size) {
  /** Number of distinct combinations. */
  public static final int COUNT =
      Shape.values().length
          * Colour.values().length
          * Position.values().length
          * Size.values().length;

  public Attributes {
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(colour, "colour");
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(size, "size");
  }

  /**
   * All combinations in a fixed order (shape slowest, size fastest); {@link #index()} is the
   * position in it.
   */
  public static List<Attributes> all() {
    List<Attributes> out = new ArrayList<>(COUNT);
    for (Shape s : Shape.values())
      for (Colour c : Colour.values())
        for (Position p : Position.values())
          for (Size z : Size.values()) out.add(new Attributes(s, c, p, z));
    return out;
  }

  /** Index of this combination in {@link #all()}. */
  public int index() {
    int i = shape.ordinal();
    i = i * Colour.values().length + colour.ordinal();
    i = i * Position.values().length + position.ordinal();
    return i * Size.values().length + size.ordinal();
  }

  /** "small red circle, left": a short stable label for logs and file names. */
  @Override
  public String toString() {
    return size.key() + " " + colour.key() + " " + shape.key() + ", " + position.key();
  }

  static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String what) {
    if (key == null) throw new IllegalArgumentException("missing " + what);
    String k = key.trim().toUpperCase(Locale.ROOT);
    if (k.equals("CENTER")) k = "CENTRE";
    for (E e : type.getEnumConstants()) if (e.name().equals(k)) return e;
    String accepted =
        Arrays.stream(type.getEnumConstants())
            .map(e -> e.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    throw new IllegalArgumentException("unknown " + what + " '" + key + "'; accepted: " + accepted);
  }
}
