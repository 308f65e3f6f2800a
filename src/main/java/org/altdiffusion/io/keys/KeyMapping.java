package org.altdiffusion.io.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.altdiffusion.io.TensorSource;

/**
 * A naming table: how the keys of a foreign checkpoint become the names our modules use (diffusers'
 * and transformers' state-dict names), applied as a lazy renamed view of any {@link TensorSource}
 * ({@link #apply}). One table per foreign format, all in {@link org.altdiffusion.io.keys.formats},
 * as stable-diffusion.cpp keeps its name conversions in one place.
 *
 * <p>A table has, in order:
 *
 * <ol>
 *   <li>an optional prefix ({@link Builder#under}): only keys under it are seen, with it stripped
 *       ({@code first_stage_model.} selects the VAE of an LDM single-file checkpoint); other keys
 *       are not part of the view at all;
 *   <li>an ordered list of {@link Rule}s: exact, prefix, regex with groups, split, drop or any
 *       function; for each key the first rule that applies decides, optionally with a {@link
 *       ValueTransform} applied when the tensor is read;
 *   <li>what happens to keys no rule applies to ({@link Unmapped}): kept as they are (the default),
 *       dropped (listed by {@link RenamedSource#unmapped()}), or an error naming them.
 * </ol>
 *
 * Two stored keys that end up with one name are an error naming both stored keys and the name
 * ({@link KeyMappingException}). Tables compose with {@link #andThen} (e.g. "select {@code
 * first_stage_model.} and rename LDM blocks" then "legacy attention names"), each stage a view of
 * the one before, so errors and {@link TensorSource#storedKey} reach back to the key in the file.
 *
 * <p>Building a view reads key names only; no tensor is read, not even a shape, until the model
 * asks for it. A table is immutable and may be shared.
 */
public final class KeyMapping {
  /** What a table does with a key (under its prefix) that no rule applies to. */
  public enum Unmapped {
    /** The key stays in the view under its own (prefix-stripped) name. */
    KEEP,
    /** The key is left out of the view; {@link RenamedSource#unmapped()} lists it. */
    DROP,
    /** Building the view fails, naming every such key. */
    FAIL
  }

  /** One table of a chain. */
  record Stage(String name, String prefix, List<Rule> rules, Unmapped unmapped) {}

  private final List<Stage> stages;

  private KeyMapping(List<Stage> stages) {
    this.stages = List.copyOf(stages);
  }

  /** A new table called {@code name} (the name appears in error messages). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The table's name; for a chain, the stages' names joined by {@code " then "}. */
  public String name() {
    return String.join(" then ", stages.stream().map(Stage::name).toList());
  }

  /** The rules of a single table in order (of the first stage for a chain). */
  public List<Rule> rules() {
    return stages.get(0).rules();
  }

  /** This table, then {@code next} on the names it produces. */
  public KeyMapping andThen(KeyMapping next) {
    List<Stage> all = new ArrayList<>(stages);
    all.addAll(next.stages);
    return new KeyMapping(all);
  }

  /**
   * The renamed view of {@code source}; {@code source} itself when a stage changes nothing (no
   * prefix, every key kept under its own name, no transform). Closing the view closes {@code
   * source}. Throws {@link KeyMappingException} on a collision or, with {@link Unmapped#FAIL}, on
   * keys no rule maps.
   */
  public TensorSource apply(TensorSource source) {
    TensorSource out = Objects.requireNonNull(source, "source");
    for (Stage s : stages) out = RenamedSource.of(out, s);
    return out;
  }

  @Override
  public String toString() {
    return "KeyMapping[" + name() + "]";
  }

  /** Builds one table: prefix, rules in order, unmapped policy. */
  public static final class Builder {
    private final String name;
    private String prefix = "";
    private final List<Rule> rules = new ArrayList<>();
    private Unmapped unmapped = Unmapped.KEEP;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** Only keys starting with {@code prefix} are seen, with it stripped, before any rule. */
    public Builder under(String prefix) {
      this.prefix = Objects.requireNonNull(prefix);
      return this;
    }

    /** Appends {@code rule}; earlier rules win. */
    public Builder rule(Rule rule) {
      rules.add(Objects.requireNonNull(rule));
      return this;
    }

    /** {@link Rule#exact}. */
    public Builder exact(String from, String to) {
      return rule(Rule.exact(from, to));
    }

    /** {@link Rule#prefix}. */
    public Builder prefix(String from, String to) {
      return rule(Rule.prefix(from, to));
    }

    /** {@link Rule#regex}. */
    public Builder regex(String pattern, String replacement) {
      return rule(Rule.regex(pattern, replacement));
    }

    /** {@link Rule#regex} whose values go through {@code transform}. */
    public Builder regex(String pattern, String replacement, ValueTransform transform) {
      return rule(Rule.regex(pattern, replacement).withValue(transform));
    }

    /** {@link Rule#drop}. */
    public Builder drop(String pattern) {
      return rule(Rule.drop(pattern));
    }

    /** What to do with keys no rule applies to; {@link Unmapped#KEEP} unless set. */
    public Builder unmapped(Unmapped policy) {
      this.unmapped = Objects.requireNonNull(policy);
      return this;
    }

    public KeyMapping build() {
      return new KeyMapping(List.of(new Stage(name, prefix, List.copyOf(rules), unmapped)));
    }
  }
}
