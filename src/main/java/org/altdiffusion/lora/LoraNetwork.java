package org.altdiffusion.lora;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Init;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * LoRA factors being trained on a frozen UNet, as diffusers' {@code train_text_to_image_lora}
 * (PEFT's {@code LoraConfig(r, lora_alpha, target_modules)} with its default init): for every
 * target layer a down factor A [r, in] ([r, in, k, k] for a convolution), drawn as PEFT draws it
 * (kaiming-uniform with a = sqrt(5): uniform in +-1/sqrt(fan_in)), and an up factor B [out, r]
 * ([out, r, 1, 1]) at zero, so that training starts from the base model exactly.
 *
 * <p>The layer computes {@code x (W + alpha/r * B A)^T}: {@link #attach} sets each target layer's
 * weight to that sum, a tensor whose graph leads to A and B (the base weight takes no gradient),
 * and must be called before every forward pass that should see the current factors; {@link #close}
 * puts the base weights back. Mathematically this is PEFT's {@code W x + alpha/r * B (A x)}; the
 * rounding differs, as merging a LoRA does.
 */
public final class LoraNetwork implements AutoCloseable {
  /** Which layers get factors. */
  public enum Targets {
    /** The attention projections to_q, to_k, to_v and to_out.0 (diffusers' recipe). */
    ATTN("attn"),
    /** Those and the ResNet blocks' convolutions conv1, conv2, conv_shortcut (LoCon). */
    ATTN_CONV("attn+conv");

    private final String key;

    Targets(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Targets parse(String s) {
      for (Targets t : values()) if (t.key.equals(s.toLowerCase(Locale.ROOT))) return t;
      throw new IllegalArgumentException(
          "--lora-targets '" + s + "' is not known; accepted: attn, attn+conv");
    }

    /** Whether the layer at {@code path} gets factors. */
    boolean takes(String path, Module layer) {
      String last = path.substring(path.lastIndexOf('.') + 1);
      boolean attention =
          layer instanceof Linear && path.matches(".*\\.attn[12]\\.(to_q|to_k|to_v|to_out\\.0)$");
      boolean conv =
          layer instanceof Conv2d
              && path.contains(".resnets.")
              && (last.equals("conv1") || last.equals("conv2") || last.equals("conv_shortcut"));
      return attention || (this == ATTN_CONV && conv);
    }
  }

  /** One layer's factors and its base weight. */
  private record Adapter(
      String path, Parameter weight, Tensor base, Parameter down, Parameter up) {}

  private final List<Adapter> adapters;
  private final int rank;
  private final double alpha;
  private final Targets targets;
  private boolean attached;

  private LoraNetwork(List<Adapter> adapters, int rank, double alpha, Targets targets) {
    this.adapters = adapters;
    this.rank = rank;
    this.alpha = alpha;
    this.targets = targets;
  }

  /**
   * Factors of rank {@code rank} for the {@code targets} layers of {@code unet} (whose weights must
   * be loaded), A drawn from {@code generator} layer after layer in module order, B zero; in the
   * UNet's dtype.
   */
  public static LoraNetwork create(
      Module unet, int rank, double alpha, Targets targets, Generator generator) {
    if (rank < 1) throw new IllegalArgumentException("--lora-rank must be >= 1, got " + rank);
    if (!(alpha > 0) || Double.isInfinite(alpha))
      throw new IllegalArgumentException("--lora-alpha must be a positive number, got " + alpha);
    List<Adapter> adapters = new ArrayList<>();
    try (PointerScope scope = new PointerScope()) {
      for (var e : unet.namedModules().entrySet()) {
        if (!targets.takes(e.getKey(), e.getValue())) continue;
        Parameter weight = e.getValue().ownParameters().get("weight");
        long[] w = weight.shape(); // [out, in] or [out, in, k, k]
        if (rank > Math.min(w[0], w[1]))
          throw new IllegalArgumentException(
              "--lora-rank "
                  + rank
                  + " is larger than layer "
                  + e.getKey()
                  + " (weight "
                  + java.util.Arrays.toString(w)
                  + ")");
        long[] downShape = w.clone();
        downShape[0] = rank;
        long[] upShape = w.length == 2 ? new long[] {w[0], rank} : new long[] {w[0], rank, 1, 1};
        long fanIn = 1;
        for (int i = 1; i < w.length; i++) fanIn *= w[i];
        Tensor base = weight.get().detach();
        Parameter down = new Parameter(downShape);
        down.set(Init.fanIn(generator, fanIn, downShape).to(base.device(), base.scalar_type()));
        Parameter up = new Parameter(upShape);
        up.set(Init.zeros(upShape).to(base.device(), base.scalar_type()));
        adapters.add(new Adapter(e.getKey(), weight, Scopes.retain(weight.get()), down, up));
      }
    }
    if (adapters.isEmpty())
      throw new IllegalArgumentException(
          "--lora-targets " + targets.key() + " finds no layer in this UNet");
    return new LoraNetwork(adapters, rank, alpha, targets);
  }

  public int rank() {
    return rank;
  }

  public double alpha() {
    return alpha;
  }

  public Targets targets() {
    return targets;
  }

  /** alpha / r, the factor of B A. */
  public double scale() {
    return alpha / rank;
  }

  /** How many layers have factors. */
  public int layers() {
    return adapters.size();
  }

  /**
   * The factors by PEFT name ({@code unet.<path>.lora_A.weight} = A, {@code .lora_B.weight} = B),
   * layer after layer in module order.
   */
  public Map<String, Parameter> parameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    for (Adapter a : adapters) {
      out.put(LoraTarget.UNET + "." + a.path() + ".lora_A.weight", a.down());
      out.put(LoraTarget.UNET + "." + a.path() + ".lora_B.weight", a.up());
    }
    return out;
  }

  /**
   * Sets every target layer's weight to {@code W + alpha/r * B A} from the factors' current values,
   * with the graph to them; the sums live as long as the layers hold them.
   */
  public void attach() {
    Scalar scale = new Scalar(scale());
    for (Adapter a : adapters) {
      try (PointerScope scope = new PointerScope()) {
        Tensor down = a.down().get().reshape(rank, -1); // [r, in*k*k]
        Tensor up = a.up().get().reshape(-1, rank); // [out, r]
        a.weight().set(a.base().add(up.matmul(down).reshape(a.weight().shape()).mul(scale)));
      }
    }
    attached = true;
  }

  /** Puts the base weights back (the factors stay); later calls do nothing until attached again. */
  @Override
  public void close() {
    if (!attached) return;
    for (Adapter a : adapters) a.weight().set(a.base());
    attached = false;
  }

  /** Frees the kept base references and the factors; the network cannot be used afterwards. */
  public void release() {
    close();
    for (Adapter a : adapters) {
      Scopes.release(a.base());
      a.down().clear();
      a.up().clear();
    }
  }

  /** Total number of trained values. */
  public long trainedValues() {
    long n = 0;
    for (Parameter p : parameters().values()) n += Tensors.numel(p.shape());
    return n;
  }
}
