package org.altdiffusion.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Where Gaussian noise comes from, drawn exactly as diffusers' {@code randn_tensor} does on the
 * CPU: from one generator for the whole shape, or with one generator per batch element (each
 * element drawn as {@code randn([1, ...])} from its own generator and concatenated) — what makes
 * image i of a batch reproducible from its own seed alone.
 */
public interface Noise {

  /** Standard normal float32 noise of {@code shape}. */
  Tensor randn(long... shape);

  /** Noise shaped like {@code like}, on its device (drawn on the CPU, then moved). */
  default Tensor like(Tensor like) {
    return ComputeDevice.of(like).place(randn(Tensors.shape(like)));
  }

  /**
   * This noise moved to {@code device}: drawn from torch's CPU generators as before, so the same
   * seed gives the same pictures on every device (diffusers' {@code randn_tensor} with a CPU
   * generator does the same).
   */
  default Noise on(ComputeDevice device) {
    Noise cpu = this;
    if (device.isCpu()) return cpu;
    Noise moved = shape -> device.place(cpu.randn(shape));
    long[] seeds = cpu.seeds();
    return seeds == null ? moved : moved.withSeeds(seeds);
  }

  /**
   * The seed of each picture when this noise comes from seeded generators (A1111's {@code
   * all_seeds} of the batch), else null. Samplers that seed noise of their own (DPM++ SDE's
   * Brownian trees) take them.
   */
  default long[] seeds() {
    return null;
  }

  /** This noise, telling samplers the seed of each picture ({@link #seeds}). */
  default Noise withSeeds(long... seeds) {
    Noise draws = this;
    long[] kept = seeds.clone();
    return new Noise() {
      @Override
      public Tensor randn(long... shape) {
        return draws.randn(shape);
      }

      @Override
      public long[] seeds() {
        return kept.clone();
      }
    };
  }

  /** One generator for the whole shape; null means torch's global generator. */
  static Noise of(Generator generator) {
    return of(generator, torch.ScalarType.Float);
  }

  /**
   * As {@link #of(Generator)}, drawn in {@code type} and returned as float32: diffusers draws in
   * the model's dtype ({@code randn_tensor(..., dtype=bfloat16)}), and torch's CPU generator gives
   * other numbers in bfloat16/float16 than in float32 (its float32 kernel fills 16 at a time), so
   * models run in a reduced precision draw in it to give diffusers' pictures for the same seed.
   */
  static Noise of(Generator generator, torch.ScalarType type) {
    return shape -> draw(shape, generator, type);
  }

  /**
   * randn of {@code shape} from {@code generator} (null: the global one) in {@code type}, widened.
   */
  private static Tensor draw(long[] shape, Generator generator, torch.ScalarType type) {
    TensorOptions options = new TensorOptions(type);
    Tensor t =
        generator == null
            ? torch.randn(shape, options)
            : torch.randn(shape, new GeneratorOptional(generator), options);
    return type.value == torch.ScalarType.Float.value ? t : t.to(torch.ScalarType.Float);
  }

  /** One generator per batch element, in order; shape[0] must equal their count. */
  static Noise perSample(List<Generator> generators) {
    return perSample(generators, torch.ScalarType.Float);
  }

  /**
   * As {@link #perSample(List)}, drawn in {@code type} (see {@link #of(Generator, ScalarType)}).
   */
  static Noise perSample(List<Generator> generators, torch.ScalarType type) {
    List<Generator> gens = List.copyOf(generators);
    return shape -> {
      if (shape.length == 0 || shape[0] != gens.size()) {
        throw new IllegalArgumentException(
            "noise of shape "
                + Arrays.toString(shape)
                + " needs batch "
                + gens.size()
                + " (one generator per sample)");
      }
      long[] one = shape.clone();
      one[0] = 1;
      List<Tensor> parts = new ArrayList<>();
      for (Generator g : gens) parts.add(draw(one, g, type));
      return gens.size() == 1
          ? parts.get(0)
          : torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
    };
  }

  /**
   * AUTOMATIC1111's variation seeds ({@code modules/processing.py create_random_tensors}): the
   * first draw is, per sample i, {@code slerp(strength, randn(main_i), randn(sub_i))}; later draws
   * (an ancestral sampler's) come from the main generators alone, as without variation.
   *
   * @param main one generator per sample (seed + i)
   * @param sub one generator per sample (subseed + i)
   * @param strength in [0, 1]: 0 = the main noise, 1 = the variation seed's noise
   */
  static Noise variation(List<Generator> main, List<Generator> sub, double strength) {
    return variation(main, sub, strength, torch.ScalarType.Float);
  }

  /** As {@link #variation(List, List, double)}, drawn in {@code type}. */
  static Noise variation(
      List<Generator> main, List<Generator> sub, double strength, torch.ScalarType type) {
    if (main.size() != sub.size())
      throw new IllegalArgumentException(
          main.size() + " seeds but " + sub.size() + " variation seeds");
    if (!(strength >= 0 && strength <= 1))
      throw new IllegalArgumentException("variation strength must be in [0, 1], got " + strength);
    Noise plain = perSample(main, type);
    Noise subNoise = perSample(sub, type);
    boolean[] drawn = {false};
    return shape -> {
      synchronized (drawn) {
        if (drawn[0]) return plain.randn(shape);
        drawn[0] = true;
      }
      Tensor low = plain.randn(shape);
      Tensor high = subNoise.randn(shape);
      List<Tensor> parts = new ArrayList<>();
      for (int i = 0; i < shape[0]; i++)
        parts.add(slerp(strength, low.get(i), high.get(i)).unsqueeze(0));
      return parts.size() == 1
          ? parts.get(0)
          : torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
    };
  }

  /**
   * A1111's {@code slerp(val, low, high)} on one sample's noise [C, h, w], as written there: norms
   * over dim 1, and where the directions nearly agree (mean cosine above 0.9995) its linear
   * fallback {@code low * val + high * (1 - val)}.
   */
  static Tensor slerp(double val, Tensor low, Tensor high) {
    long[] dim = {1};
    Tensor lowNorm = low.div(low.square().sum(dim, true, new ScalarTypeOptional()).sqrt());
    Tensor highNorm = high.div(high.square().sum(dim, true, new ScalarTypeOptional()).sqrt());
    Tensor dot = lowNorm.mul(highNorm).sum(dim, false, new ScalarTypeOptional());
    if (dot.mean().item_double() > 0.9995)
      return low.mul(Tensors.scalar(val)).add(high.mul(Tensors.scalar(1 - val)));
    Tensor omega = dot.acos();
    Tensor so = omega.sin();
    Tensor a = omega.mul(Tensors.scalar(1.0 - val)).sin().div(so).unsqueeze(1);
    Tensor b = omega.mul(Tensors.scalar(val)).sin().div(so).unsqueeze(1);
    return a.mul(low).add(b.mul(high));
  }

  /** Generators seeded seed, seed+1, ... for {@code count} samples. */
  static List<Generator> seeded(long seed, int count) {
    List<Generator> out = new ArrayList<>();
    for (int i = 0; i < count; i++) out.add(Tensors.generator(seed + i));
    return out;
  }
}
