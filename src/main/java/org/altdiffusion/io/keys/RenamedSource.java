package org.altdiffusion.io.keys;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.altdiffusion.io.Names;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.pytorch.Tensor;

/**
 * A {@link TensorSource} seen through one {@link KeyMapping} table: its keys are the mapped names,
 * in the order of the stored keys. Built from key names alone; shapes come from the source's shapes
 * through each rule's {@link ValueTransform#shape}, and a value is read (and transformed) only when
 * {@link #load} or {@link #loadRaw} asks for it. Closing the view closes the source.
 */
public final class RenamedSource implements TensorSource {
  /** Where a mapped name comes from. */
  private record Entry(String stored, ValueTransform transform, Rule rule) {}

  private final TensorSource source;
  private final String table;
  private final Map<String, Entry> byName;
  private final Map<String, List<String>> namesOfStored;
  private final List<String> dropped;
  private final List<String> unmapped;
  private final List<String> outside;

  private RenamedSource(
      TensorSource source,
      String table,
      Map<String, Entry> byName,
      Map<String, List<String>> namesOfStored,
      List<String> dropped,
      List<String> unmapped,
      List<String> outside) {
    this.source = source;
    this.table = table;
    this.byName = byName;
    this.namesOfStored = namesOfStored;
    this.dropped = dropped;
    this.unmapped = unmapped;
    this.outside = outside;
  }

  /** The view of {@code source} through {@code stage}, or {@code source} when nothing changes. */
  static TensorSource of(TensorSource source, KeyMapping.Stage stage) {
    Map<String, Entry> byName = new LinkedHashMap<>();
    Map<String, List<String>> namesOfStored = new LinkedHashMap<>();
    List<String> dropped = new ArrayList<>();
    List<String> unmapped = new ArrayList<>();
    List<String> outside = new ArrayList<>();
    boolean identity = stage.prefix().isEmpty();
    for (String stored : source.keys()) {
      if (!stored.startsWith(stage.prefix())) {
        outside.add(stored);
        continue;
      }
      String key = stored.substring(stage.prefix().length());
      Rule rule = null;
      List<Rule.Target> targets = null;
      for (Rule r : stage.rules()) {
        targets = r.apply(key);
        if (targets != null) {
          rule = r;
          break;
        }
      }
      if (targets == null) {
        unmapped.add(stored);
        if (stage.unmapped() == KeyMapping.Unmapped.KEEP) {
          targets = List.of(new Rule.Target(key, null));
        } else {
          identity = false;
          continue;
        }
      }
      if (targets.isEmpty()) {
        dropped.add(stored);
        identity = false;
        continue;
      }
      List<String> names = new ArrayList<>(targets.size());
      for (Rule.Target t : targets) {
        Entry previous = byName.get(t.name());
        if (previous != null) {
          throw collision(source, stage, t.name(), previous, stored, rule);
        }
        byName.put(t.name(), new Entry(stored, t.transform(), rule));
        names.add(t.name());
        if (!t.name().equals(stored) || t.transform() != null) identity = false;
      }
      namesOfStored.put(stored, List.copyOf(names));
    }
    if (stage.unmapped() == KeyMapping.Unmapped.FAIL && !unmapped.isEmpty()) {
      throw new KeyMappingException(
          "key mapping '"
              + stage.name()
              + "': "
              + unmapped.size()
              + " stored keys"
              + (stage.prefix().isEmpty() ? "" : " under " + Names.quote(stage.prefix()))
              + " match no rule:"
              + listing(source, unmapped));
    }
    if (identity) return source;
    return new RenamedSource(
        source,
        stage.name(),
        Collections.unmodifiableMap(byName),
        Collections.unmodifiableMap(namesOfStored),
        List.copyOf(dropped),
        List.copyOf(unmapped),
        List.copyOf(outside));
  }

  private static KeyMappingException collision(
      TensorSource source,
      KeyMapping.Stage stage,
      String name,
      Entry previous,
      String stored,
      Rule rule) {
    return new KeyMappingException(
        "checkpoint has both "
            + shown(source, previous.stored())
            + " ("
            + how(previous.rule())
            + ") and "
            + shown(source, stored)
            + " ("
            + how(rule)
            + ") for weight "
            + Names.quote(name)
            + " (key mapping '"
            + stage.name()
            + "')");
  }

  private static String how(Rule rule) {
    return rule == null ? "kept as is" : "by " + rule.description();
  }

  /** {@code 'key'}, with the key in the file when the source is itself a view. */
  private static String shown(TensorSource source, String key) {
    String inFile = source.storedKey(key);
    return Names.quote(key)
        + (inFile.equals(key) ? "" : " (stored as " + Names.quote(inFile) + ")");
  }

  private static String listing(TensorSource source, List<String> keys) {
    StringBuilder b = new StringBuilder();
    int shown = 0;
    for (String k : keys) {
      if (shown++ == 20) {
        b.append("\n    ... and ").append(keys.size() - 20).append(" more");
        break;
      }
      b.append("\n    ").append(shown(source, k));
    }
    return b.toString();
  }

  /** The source this view renames. */
  public TensorSource source() {
    return source;
  }

  /** The name of the table this view applies. */
  public String table() {
    return table;
  }

  /** Stored keys a {@link Rule#drop} rule left out, in stored order. */
  public List<String> dropped() {
    return dropped;
  }

  /**
   * Stored keys (under the prefix) that no rule applies to, in stored order: in the view under
   * their own name with {@link KeyMapping.Unmapped#KEEP}, left out with {@link
   * KeyMapping.Unmapped#DROP}.
   */
  public List<String> unmapped() {
    return unmapped;
  }

  /** Stored keys outside the table's prefix (not part of the view). */
  public List<String> outside() {
    return outside;
  }

  /** The names a stored key of the source is seen under (empty if none). */
  public List<String> namesOf(String stored) {
    return namesOfStored.getOrDefault(stored, List.of());
  }

  @Override
  public Set<String> keys() {
    return byName.keySet();
  }

  @Override
  public long[] shape(String key) {
    Entry e = entry(key);
    long[] stored = source.shape(e.stored());
    return e.transform() == null ? stored : e.transform().shape(stored);
  }

  @Override
  public String dtype(String key) {
    return source.dtype(entry(key).stored());
  }

  @Override
  public Tensor load(String key) {
    Entry e = entry(key);
    return transformed(key, e, source.load(e.stored()));
  }

  @Override
  public Tensor loadRaw(String key) {
    Entry e = entry(key);
    return transformed(key, e, source.loadRaw(e.stored()));
  }

  @Override
  public String storedKey(String key) {
    Entry e = byName.get(key);
    return e == null ? key : source.storedKey(e.stored());
  }

  @Override
  public void close() {
    source.close();
  }

  private Tensor transformed(String key, Entry e, Tensor value) {
    if (e.transform() == null) return value;
    try {
      return e.transform().apply(value);
    } catch (RuntimeException ex) {
      throw new KeyMappingException(
          "key mapping '"
              + table
              + "': cannot read "
              + Names.quote(key)
              + " from "
              + shown(source, e.stored())
              + " of shape "
              + Arrays.toString(value.sizes().vec().get())
              + " ("
              + e.transform().description()
              + "): "
              + ex.getMessage(),
          ex);
    }
  }

  private Entry entry(String key) {
    Entry e = byName.get(key);
    if (e != null) return e;
    List<String> names = namesOfStored.get(key);
    String hint =
        names != null
            ? " (" + Names.quote(key) + " is a stored key, seen as " + quoted(names) + ")"
            : dropped.contains(key)
                ? " (the stored key " + Names.quote(key) + " is dropped by the table)"
                : "";
    throw new IllegalArgumentException(
        "no tensor named " + Names.quote(key) + " in key mapping '" + table + "'" + hint);
  }

  private static String quoted(List<String> names) {
    return String.join(", ", names.stream().map(Names::quote).toList());
  }

  @Override
  public String toString() {
    return "RenamedSource[" + table + ", " + byName.size() + " tensors]";
  }
}
