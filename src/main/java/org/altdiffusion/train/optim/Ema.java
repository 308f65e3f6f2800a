package org.altdiffusion.train.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Exponential moving average of the trained weights ({@code shadow += (1 - d) * (param - shadow)}),
 * the weights a diffusion run usually exports. The decay of update n (1-based) is diffusers'
 * EMAModel rule {@code min(decay, (1 + m) / (10 + m))} with {@code m = n - 1}: the first update
 * copies, early updates follow the weights closely, later ones approach {@code decay}.
 */
public final class Ema implements AutoCloseable {
  private final double decay;
  private final Map<String, Tensor> shadow = new LinkedHashMap<>();
  private long updates;

  /** Starts from a copy of the current values. */
  public Ema(Map<String, Parameter> trained, double decay) {
    if (!(decay > 0 && decay < 1))
      throw new IllegalArgumentException("EMA decay must be in (0, 1), got " + decay);
    this.decay = decay;
    try (NoGradGuard g = new NoGradGuard()) {
      trained.forEach((name, p) -> shadow.put(name, Scopes.retain(p.get().detach().clone())));
    }
  }

  public double decay() {
    return decay;
  }

  public long updates() {
    return updates;
  }

  /** The decay update {@code n} (1-based) uses. */
  public double decayAt(long n) {
    long m = Math.max(0, n - 1);
    return Math.min(decay, (1.0 + m) / (10.0 + m));
  }

  /** Moves the average towards the current weights (call after each optimiser step). */
  public void update(Map<String, Parameter> trained) {
    updates++;
    double d = decayAt(updates);
    try (NoGradGuard g = new NoGradGuard()) {
      Scopes.run(
          () -> {
            for (var e : shadow.entrySet())
              e.getValue().lerp_(trained.get(e.getKey()).get(), Tensors.scalar(1 - d));
          });
    }
  }

  /** The averaged weights (live tensors: copy before changing). */
  public Map<String, Tensor> weights() {
    return java.util.Collections.unmodifiableMap(shadow);
  }

  /** Restores averaged weights saved from {@link #weights()} and the update count. */
  public void load(TensorSource source, long updates) {
    for (var e : shadow.entrySet()) {
      if (!source.keys().contains(e.getKey()))
        throw new IllegalArgumentException("EMA weights lack '" + e.getKey() + "'");
      Tensor t = source.loadRaw(e.getKey()); // copy_ converts; a float64 run keeps its precision
      if (!java.util.Arrays.equals(Tensors.shape(t), Tensors.shape(e.getValue()))) {
        throw new IllegalArgumentException(
            "EMA weight '"
                + e.getKey()
                + "' has shape "
                + Tensors.shapeString(t)
                + ", the model "
                + Tensors.shapeString(e.getValue()));
      }
      try (NoGradGuard g = new NoGradGuard()) {
        e.getValue().copy_(t);
      }
    }
    this.updates = updates;
  }

  @Override
  public void close() {
    shadow.values().forEach(Scopes::release);
    shadow.clear();
  }
}
