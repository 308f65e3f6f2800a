package org.altdiffusion.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
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

  /** Noise shaped like {@code like}. */
  default Tensor like(Tensor like) {
    return randn(Tensors.shape(like));
  }

  /** One generator for the whole shape; null means torch's global generator. */
  static Noise of(Generator generator) {
    return shape ->
        generator == null
            ? torch.randn(shape, Tensors.floatOptions())
            : torch.randn(shape, new GeneratorOptional(generator), Tensors.floatOptions());
  }

  /** One generator per batch element, in order; shape[0] must equal their count. */
  static Noise perSample(List<Generator> generators) {
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
      for (Generator g : gens)
        parts.add(torch.randn(one, new GeneratorOptional(g), Tensors.floatOptions()));
      return gens.size() == 1
          ? parts.get(0)
          : torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 0);
    };
  }

  /** Generators seeded seed, seed+1, ... for {@code count} samples. */
  static List<Generator> seeded(long seed, int count) {
    List<Generator> out = new ArrayList<>();
    for (int i = 0; i < count; i++) out.add(Tensors.generator(seed + i));
    return out;
  }
}
