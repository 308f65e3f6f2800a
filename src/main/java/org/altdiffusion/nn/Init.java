package org.altdiffusion.nn;

import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Initial values, drawn from an explicit generator so that model initialisation reproduces. */
public final class Init {
  private Init() {}

  public static Tensor zeros(long... shape) {
    return torch.zeros(shape, Tensors.floatOptions());
  }

  public static Tensor ones(long... shape) {
    return torch.ones(shape, Tensors.floatOptions());
  }

  public static Tensor constant(double value, long... shape) {
    return torch.full(shape, new Scalar(value), Tensors.floatOptions());
  }

  /** Uniform in [-bound, bound]. */
  public static Tensor uniform(Generator g, double bound, long... shape) {
    return torch
        .empty(shape, Tensors.floatOptions(), null)
        .uniform_(-bound, bound, new GeneratorOptional(g));
  }

  public static Tensor normal(Generator g, double std, long... shape) {
    return torch
        .empty(shape, Tensors.floatOptions(), null)
        .normal_(0.0, std, new GeneratorOptional(g));
  }

  /**
   * torch's default for Linear and Conv weights and biases: kaiming_uniform(a=sqrt(5)) =
   * U(+-1/sqrt(fan_in)).
   */
  public static Tensor fanIn(Generator g, long fanIn, long... shape) {
    return uniform(g, 1.0 / Math.sqrt(fanIn), shape);
  }
}
