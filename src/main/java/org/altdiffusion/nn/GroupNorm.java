package org.altdiffusion.nn;

import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Group normalisation over [B, C, ...] with affine {@code weight} and {@code bias} [C]. */
public final class GroupNorm extends Module {
  public final long groups;
  public final long channels;
  public final double eps;
  public final Parameter weight;
  public final Parameter bias;

  public GroupNorm(long groups, long channels, double eps) {
    if (channels % groups != 0) {
      throw new IllegalArgumentException(
          "GroupNorm: " + channels + " channels do not split into " + groups + " groups");
    }
    this.groups = groups;
    this.channels = channels;
    this.eps = eps;
    this.weight = parameter("weight", channels);
    this.bias = parameter("bias", channels);
  }

  public Tensor forward(Tensor x) {
    if (MetaOps.on(x, weight.get())) return MetaOps.norm("group_norm", x, weight.get(), bias.get());
    return torch.group_norm(
        x, groups, new TensorOptional(weight.get()), new TensorOptional(bias.get()), eps, false);
  }

  @Override
  protected void initializeSelf(Generator g) {
    weight.set(Init.ones(channels));
    bias.set(Init.zeros(channels));
  }
}
