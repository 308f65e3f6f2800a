package org.altdiffusion.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.TorchErrors;
import org.altdiffusion.io.Names;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * A node of a model: named parameters and named children. The dotted path of a parameter is the
 * checkpoint key of the reference implementation ({@code
 * down_blocks.0.attentions.1.proj_in.weight}), so weights load by name. Subclasses register
 * everything in their constructor and expose typed {@code forward} methods of their own.
 */
public abstract class Module {
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();

  protected final Parameter parameter(String name, long... shape) {
    checkName(name);
    Parameter p = new Parameter(shape);
    parameters.put(name, p);
    return p;
  }

  protected final <M extends Module> M child(String name, M module) {
    checkName(name);
    children.put(name, module);
    return module;
  }

  private void checkName(String name) {
    if (name == null || name.isEmpty() || name.indexOf('.') >= 0) {
      // as torch's register_module: a dot would make paths ambiguous (see find)
      throw new IllegalArgumentException(
          "bad name '" + name + "' in " + getClass().getSimpleName() + ": empty or contains '.'");
    }
    if (parameters.containsKey(name) || children.containsKey(name)) {
      throw new IllegalStateException(
          "duplicate name '" + name + "' in " + getClass().getSimpleName());
    }
  }

  /**
   * Checkpoint keys this module accepts and ignores (for example buffers that older library
   * versions saved, like {@code embeddings.position_ids}). Relative to this module.
   */
  protected List<Pattern> ignoredKeys() {
    return List.of();
  }

  /** Every parameter under its full dotted name, in registration order. */
  public final Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect("", out);
    return out;
  }

  private void collect(String prefix, Map<String, Parameter> out) {
    parameters.forEach((n, p) -> out.put(prefix + n, p));
    children.forEach((n, c) -> c.collect(prefix + n + ".", out));
  }

  private void collectIgnored(String prefix, List<Pattern> out) {
    for (Pattern p : ignoredKeys()) out.add(Pattern.compile(Pattern.quote(prefix) + p.pattern()));
    children.forEach((n, c) -> c.collectIgnored(prefix + n + ".", out));
  }

  /** The direct children by name, in registration order. */
  public final Map<String, Module> children() {
    return java.util.Collections.unmodifiableMap(children);
  }

  /**
   * This module's own parameters (not its children's) by name, in registration order: what {@code
   * named_parameters(recurse=False)} lists in PyTorch.
   */
  public final Map<String, Parameter> ownParameters() {
    return java.util.Collections.unmodifiableMap(parameters);
  }

  /**
   * This module and every module below it under its dotted path, in PyTorch's {@code
   * named_modules()} order: this module first under {@code ""}, then each child and its subtree in
   * registration order ({@code down_blocks}, {@code down_blocks.0}, {@code
   * down_blocks.0.attentions}, ...). The paths are the prefixes of {@link #namedParameters()}: a
   * parameter {@code a.b.c.weight} is {@code find("a.b.c").ownParameters().get("weight")}. A module
   * registered under two paths appears under both, as its parameters do.
   */
  public final Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    collectModules("", out);
    return out;
  }

  private void collectModules(String path, Map<String, Module> out) {
    out.put(path, this);
    children.forEach((n, c) -> c.collectModules(path.isEmpty() ? n : path + "." + n, out));
  }

  /**
   * The module at dotted {@code path} ({@code ""} is this module), as PyTorch's {@code
   * get_submodule}: lets adapters (LoRA, ControlNet hooks) attach by the names checkpoints use.
   * When there is none, the {@link IllegalArgumentException} names the longest prefix that exists,
   * its type and the children it has (or says the path runs into a parameter).
   */
  public final Module find(String path) {
    if (path == null) throw new IllegalArgumentException("module path is null");
    if (path.isEmpty()) return this;
    Module m = this;
    String at = "";
    for (String part : path.split("\\.", -1)) {
      Module next = m.children.get(part);
      if (next == null) throw notFound(path, at, m, part);
      m = next;
      at = at.isEmpty() ? part : at + "." + part;
    }
    return m;
  }

  /** {@link #find(String)}, checking that the module is a {@code type}. */
  public final <M extends Module> M find(String path, Class<M> type) {
    Module m = find(path);
    if (!type.isInstance(m)) {
      throw new IllegalArgumentException(
          getClass().getSimpleName()
              + ": module '"
              + path
              + "' is a "
              + m.getClass().getSimpleName()
              + ", not a "
              + type.getSimpleName());
    }
    return type.cast(m);
  }

  private IllegalArgumentException notFound(String path, String at, Module m, String part) {
    String where =
        (at.isEmpty() ? "the model itself" : "'" + at + "'")
            + " ("
            + m.getClass().getSimpleName()
            + ")";
    String problem;
    if (part.isEmpty()) problem = "the path has an empty part after " + where;
    else if (m.parameters.containsKey(part))
      problem = Names.quote(part) + " is a parameter of " + where + ", not a module";
    else problem = where + " has no child " + Names.quote(part);
    return new IllegalArgumentException(
        getClass().getSimpleName()
            + " has no module "
            + Names.quote(path)
            + ": "
            + problem
            + " (its children: "
            + shortList(m.children.keySet())
            + "; its parameters: "
            + shortList(m.parameters.keySet())
            + ")");
  }

  private static String shortList(java.util.Collection<String> names) {
    if (names.isEmpty()) return "none";
    List<String> shown = names.stream().limit(30).toList();
    String s = String.join(", ", shown);
    return names.size() > shown.size() ? s + ", ... (" + names.size() + " in all)" : s;
  }

  /** Number of scalar weights. */
  public final long parameterCount() {
    long n = 0;
    for (Parameter p : namedParameters().values())
      n += org.altdiffusion.engine.Tensors.numel(p.shape());
    return n;
  }

  /** The current values under their checkpoint keys. */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    namedParameters().forEach((k, p) -> out.put(k, p.get()));
    return out;
  }

  /**
   * Loads every parameter from {@code source}, strictly: names and shapes are all checked before
   * any value is read, and every missing, unexpected or wrongly shaped key is named in one {@link
   * StateDictException}. Floating weights are widened to float32. When {@code source} is a renamed
   * view ({@link org.altdiffusion.io.keys.KeyMapping}), unexpected and wrongly shaped keys are also
   * shown under their names in the file ({@link TensorSource#storedKey}).
   */
  public final void load(TensorSource source) {
    Map<String, Parameter> named = namedParameters();
    List<Pattern> ignored = new ArrayList<>();
    collectIgnored("", ignored);
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<String> wrongShape = new ArrayList<>();
    for (var e : named.entrySet()) {
      if (!source.keys().contains(e.getKey())) {
        missing.add(e.getKey());
        continue;
      }
      long[] actual = source.shape(e.getKey());
      if (!Arrays.equals(actual, e.getValue().shape())) {
        wrongShape.add(
            withStoredKey(source, e.getKey())
                + ": checkpoint "
                + Arrays.toString(actual)
                + ", model "
                + Arrays.toString(e.getValue().shape()));
      }
    }
    for (String k : source.keys()) {
      if (named.containsKey(k)) continue;
      if (ignored.stream().anyMatch(p -> p.matcher(k).matches())) continue;
      unexpected.add(k);
    }
    if (!missing.isEmpty() || !unexpected.isEmpty() || !wrongShape.isEmpty()) {
      Map<String, String> storedAs = new LinkedHashMap<>();
      for (String k : unexpected) {
        String stored = source.storedKey(k);
        if (!stored.equals(k)) storedAs.put(k, stored);
      }
      throw new StateDictException(
          getClass().getSimpleName(), missing, unexpected, wrongShape, storedAs);
    }
    for (var e : named.entrySet()) {
      Scopes.run(() -> e.getValue().set(source.load(e.getKey()).contiguous()));
    }
  }

  /** {@code key}, followed by its name in the file when a renamed view reads it from another. */
  private static String withStoredKey(TensorSource source, String key) {
    String stored = source.storedKey(key);
    return stored.equals(key) ? key : key + " (stored as " + Names.quote(stored) + ")";
  }

  /**
   * Converts every parameter to {@code dtype} (e.g. float64 to train with float rounding far below
   * the differences between kernels; see train-unet --precision).
   */
  public final void castTo(org.bytedeco.pytorch.global.torch.ScalarType dtype) {
    for (Parameter p : namedParameters().values()) {
      if (!p.isSet() || p.get().scalar_type().value == dtype.value) continue;
      Scopes.run(() -> p.set(p.get().detach().to(dtype)));
    }
  }

  /**
   * Moves every parameter to {@code device} (as torch's {@code module.to(device)}); trainable ones
   * stay trainable. A no-op for parameters already there.
   */
  public final void moveTo(ComputeDevice device) {
    for (Parameter p : namedParameters().values()) {
      if (!p.isSet() || device.sameAs(p.get())) continue;
      Scopes.run(() -> p.set(device.place(p.get().detach())));
    }
  }

  /**
   * The type of this module's first parameter: float32 as loaded, another after {@link #castTo}
   * (float32 when it has none). Models take inputs in it.
   */
  public final org.bytedeco.pytorch.global.torch.ScalarType dtype() {
    Parameter p = firstSet();
    return p == null ? org.bytedeco.pytorch.global.torch.ScalarType.Float : p.get().scalar_type();
  }

  /** The device of this module's first parameter (the CPU when it has none). */
  public final ComputeDevice device() {
    Parameter p = firstSet();
    return p == null ? ComputeDevice.CPU : ComputeDevice.of(p.get());
  }

  /**
   * The first set parameter in {@link #namedParameters()} order, found without building that map
   * (models ask for their type and device on every call).
   */
  private Parameter firstSet() {
    for (Parameter p : parameters.values()) if (p.isSet()) return p;
    for (Module c : children.values()) {
      Parameter p = c.firstSet();
      if (p != null) return p;
    }
    return null;
  }

  /** Convenience for {@link #load(TensorSource)} on tensors in memory. */
  public final void load(Map<String, Tensor> tensors) {
    load(TensorSource.of(tensors));
  }

  /**
   * Fills every parameter with torch's default initialisation for its layer type (weights uniform
   * in +-1/sqrt(fan_in), norms at one and zero), drawn from {@code generator}.
   */
  public final void initialize(Generator generator) {
    try (PointerScope scope = new PointerScope()) {
      initializeSelf(generator);
      for (Module c : children.values()) c.initialize(generator);
    }
  }

  /** Initialises this module's own parameters (not its children's). */
  protected void initializeSelf(Generator generator) {
    for (Parameter p : parameters.values()) {
      if (!p.isSet()) p.set(Init.zeros(p.shape()));
    }
  }

  /** Freezes or unfreezes the parameters whose full names pass {@code filter}. */
  public final void setTrainable(Predicate<String> filter, boolean trainable) {
    namedParameters()
        .forEach(
            (k, p) -> {
              if (filter.test(k)) p.setTrainable(trainable);
            });
  }

  /** Frees every parameter value. */
  public final void clear() {
    namedParameters().values().forEach(Parameter::clear);
  }

  /** Runs {@code body} with libtorch errors turned into a message naming this module. */
  protected final <T> T guarded(String what, java.util.function.Supplier<T> body) {
    return TorchErrors.guard(getClass().getSimpleName() + " " + what, body);
  }
}
