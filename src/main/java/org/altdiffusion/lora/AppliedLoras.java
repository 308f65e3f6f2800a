package org.altdiffusion.lora;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * LoRAs merged into a model's weights, for the time of a generation: {@link #apply} reads every
 * file first (so a bad file changes nothing), keeps a copy of each weight it is about to change and
 * adds {@code weight * alpha / r * up @ down} to it, LoRA after LoRA in the order given, with the
 * LoRA's text-encoder weight on text-encoder layers and its UNet weight on UNet layers (diffusers'
 * {@code set_adapters} with per-component weights, then {@code fuse_lora}; for 3x3 LoCon layers the
 * product is kohya's and PEFT's, {@code up} [out, r, 1, 1] applied over {@code down} [r, in, k,
 * k]). {@link #close} copies the kept originals back, so the weights are bit for bit what they
 * were.
 *
 * <p>The model is changed in place: no other generation may use it between {@code apply} and {@code
 * close}.
 */
public final class AppliedLoras implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AppliedLoras.class.getName());

  /** Nothing applied. */
  public static final AppliedLoras NONE = new AppliedLoras(new IdentityHashMap<>());

  private final Map<Parameter, Tensor> originals; // identity: a parameter object per weight
  private boolean closed;

  private AppliedLoras(Map<Parameter, Tensor> originals) {
    this.originals = originals;
  }

  /** {@link #apply(List, List, Consumer)} with warnings logged. */
  public static AppliedLoras apply(List<LoraSpec> loras, List<LoraTarget> targets) {
    return apply(loras, targets, LOG::warning);
  }

  /**
   * Reads {@code loras} for {@code targets} and merges them; a problem with any file is a {@link
   * LoraException} and leaves the model as it was.
   */
  public static AppliedLoras apply(
      List<LoraSpec> loras, List<LoraTarget> targets, Consumer<String> warn) {
    if (loras == null || loras.isEmpty()) return NONE;
    List<LoraFile> files = new ArrayList<>();
    try {
      for (LoraSpec s : loras) files.add(LoraFile.read(s.file(), targets, warn));
      AppliedLoras applied = new AppliedLoras(new IdentityHashMap<>());
      try (NoGradGuard g = new NoGradGuard()) {
        for (int i = 0; i < files.size(); i++) applied.merge(files.get(i), loras.get(i));
      } catch (RuntimeException e) {
        applied.close();
        throw e;
      }
      return applied;
    } finally {
      for (LoraFile f : files) f.release();
    }
  }

  private void merge(LoraFile file, LoraSpec spec) {
    for (LoraFile.Layer layer : file.layers()) {
      double weight = spec.weightOf(layer.component());
      Parameter p = layer.weight();
      try (PointerScope scope = new PointerScope()) {
        Tensor w = p.get().detach();
        if (!originals.containsKey(p)) originals.put(p, Scopes.retain(w.clone()));
        Tensor delta = layer.product().mul(new Scalar(weight * layer.scale()));
        w.add_(delta.to(w.device(), w.scalar_type()));
      }
    }
  }

  /** How many weights are changed. */
  public int changedWeights() {
    return originals.size();
  }

  /** Puts every changed weight back as it was, bit for bit; later calls do nothing. */
  @Override
  public void close() {
    if (closed || this == NONE) return;
    closed = true;
    try (NoGradGuard g = new NoGradGuard();
        PointerScope scope = new PointerScope()) {
      for (var e : originals.entrySet()) {
        e.getKey().get().detach().copy_(e.getValue());
        Scopes.release(e.getValue());
      }
    }
    originals.clear();
  }
}
