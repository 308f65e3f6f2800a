package org.altdiffusion.nn;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Layer normalisation over the last dimension, with {@code weight} and {@code bias} [dim]. */
public final class LayerNorm extends Module {
  public final long dim;
  public final double eps;
  public final Parameter weight;
  public final Parameter bias;

  public LayerNorm(long dim, double eps) {
    this.dim = dim;
    this.eps = eps;
    this.weight = parameter("weight", dim);
    this.bias = parameter("bias", dim);
  }

  public Tensor forward(Tensor x) {
    if (MetaOps.on(x, weight.get())) return MetaOps.norm("layer_norm", x, weight.get(), bias.get());
    return torch.layer_norm(
        x,
        new long[] {dim},
        new TensorOptional(weight.get()),
        new TensorOptional(bias.get()),
        eps,
        false);
  }

  @Override
  protected void initializeSelf(Generator g) {
    weight.set(Init.ones(dim));
    bias.set(Init.zeros(dim));
  }
}
