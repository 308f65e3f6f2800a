package org.altdiffusion.io.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a {@link KeyMapping} table: decides whether it applies to a stored key and, if so,
 * what the key becomes. A rule that applies gives zero targets (the key is dropped on purpose, e.g.
 * EMA copies), one (a rename, the common case) or several (one fused tensor split into parts, see
 * {@link #split}); each target may carry a {@link ValueTransform}. Rules see the key after the
 * table's prefix is stripped. In a table the first rule that applies wins.
 */
public final class Rule {
  /** A name the stored key maps to, and the layout change its value needs (null: none). */
  public record Target(String name, ValueTransform transform) {
    public Target {
      Objects.requireNonNull(name, "target name");
    }
  }

  private final String description;
  private final Function<String, List<Target>> mapper;

  private Rule(String description, Function<String, List<Target>> mapper) {
    this.description = Objects.requireNonNull(description);
    this.mapper = Objects.requireNonNull(mapper);
  }

  /** {@code from} exactly becomes {@code to}. */
  public static Rule exact(String from, String to) {
    Objects.requireNonNull(from);
    Objects.requireNonNull(to);
    return new Rule(
        "exact '" + from + "' -> '" + to + "'",
        k -> k.equals(from) ? List.of(new Target(to, null)) : null);
  }

  /** A key starting with {@code from} has that start replaced by {@code to}. */
  public static Rule prefix(String from, String to) {
    Objects.requireNonNull(from);
    Objects.requireNonNull(to);
    return new Rule(
        "prefix '" + from + "' -> '" + to + "'",
        k ->
            k.startsWith(from) ? List.of(new Target(to + k.substring(from.length()), null)) : null);
  }

  /**
   * A key that {@code pattern} matches in full becomes {@code replacement}, where {@code $1},
   * {@code ${name}} refer to the pattern's groups (as in {@link Matcher#appendReplacement}).
   */
  public static Rule regex(String pattern, String replacement) {
    Pattern p = Pattern.compile(pattern);
    Objects.requireNonNull(replacement);
    return new Rule(
        "regex '" + pattern + "' -> '" + replacement + "'",
        k -> {
          Matcher m = p.matcher(k);
          return m.matches() ? List.of(new Target(replace(m, replacement), null)) : null;
        });
  }

  /**
   * A key that {@code pattern} matches in full is split into {@code replacements.length} equal
   * chunks along dimension 0, chunk i named by {@code replacements[i]} (e.g. open_clip's {@code
   * in_proj_weight} [3C, C] into {@code q_proj, k_proj, v_proj}). Each part is read lazily; reading
   * all parts reads the stored tensor once per part.
   */
  public static Rule split(String pattern, String... replacements) {
    Pattern p = Pattern.compile(pattern);
    if (replacements.length < 2)
      throw new IllegalArgumentException("split needs two parts or more: " + pattern);
    List<String> parts = List.of(replacements);
    return new Rule(
        "split '" + pattern + "' -> " + parts,
        k -> {
          Matcher m = p.matcher(k);
          if (!m.matches()) return null;
          List<Target> out = new ArrayList<>();
          for (int i = 0; i < parts.size(); i++) {
            out.add(new Target(replace(m, parts.get(i)), ValueTransform.chunk(0, i, parts.size())));
          }
          return out;
        });
  }

  /**
   * A key for which {@code rename} returns a name becomes that name; {@code rename} returns null
   * for keys the rule does not apply to.
   */
  public static Rule function(String description, Function<String, String> rename) {
    Objects.requireNonNull(rename);
    return new Rule(
        description,
        k -> {
          String to = rename.apply(k);
          return to == null ? null : List.of(new Target(to, null));
        });
  }

  /**
   * Keys that {@code pattern} matches in full are left out of the view on purpose (e.g. {@code
   * model_ema\..*} or diffusion schedule buffers in an LDM file); they are listed by {@link
   * RenamedSource#dropped()}.
   */
  public static Rule drop(String pattern) {
    Pattern p = Pattern.compile(pattern);
    return new Rule("drop '" + pattern + "'", k -> p.matcher(k).matches() ? List.of() : null);
  }

  /**
   * The most general rule: {@code mapper} returns null when the rule does not apply, otherwise the
   * targets (none to drop the key).
   */
  public static Rule of(String description, Function<String, List<Target>> mapper) {
    return new Rule(description, mapper);
  }

  /**
   * This rule with {@code transform} applied to every target's value (after any transform the rule
   * already has, such as a {@link #split}'s chunk).
   */
  public Rule withValue(ValueTransform transform) {
    Objects.requireNonNull(transform);
    Function<String, List<Target>> inner = mapper;
    return new Rule(
        description + " [" + transform.description() + "]",
        k -> {
          List<Target> targets = inner.apply(k);
          if (targets == null) return null;
          List<Target> out = new ArrayList<>(targets.size());
          for (Target t : targets)
            out.add(
                new Target(
                    t.name(),
                    t.transform() == null ? transform : Chained.of(t.transform(), transform)));
          return out;
        });
  }

  /** The targets of {@code key}, or null when this rule does not apply to it. */
  public List<Target> apply(String key) {
    return mapper.apply(key);
  }

  /** How the rule reads in error messages, e.g. {@code prefix 'a.' -> 'b.'}. */
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }

  /** {@code replacement} with the groups of {@code m}, which has just matched in full. */
  private static String replace(Matcher m, String replacement) {
    m.reset();
    if (!m.matches()) throw new IllegalStateException("the rule's pattern no longer matches");
    StringBuilder b = new StringBuilder();
    m.appendReplacement(b, replacement);
    return b.toString();
  }

  /** Two transforms one after the other. */
  private record Chained(ValueTransform first, ValueTransform second) implements ValueTransform {
    static ValueTransform of(ValueTransform first, ValueTransform second) {
      return new Chained(first, second);
    }

    @Override
    public String description() {
      return first.description() + ", then " + second.description();
    }

    @Override
    public long[] shape(long[] stored) {
      return second.shape(first.shape(stored));
    }

    @Override
    public org.bytedeco.pytorch.Tensor apply(org.bytedeco.pytorch.Tensor stored) {
      return second.apply(first.apply(stored));
    }
  }
}
