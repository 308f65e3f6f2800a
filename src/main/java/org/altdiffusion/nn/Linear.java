package org.altdiffusion.nn;

import org.altdiffusion.engine.RowParallel;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** y = x W^T + b; keys {@code weight} [out, in] and {@code bias} [out]. */
public final class Linear extends Module {
  public final long inFeatures;
  public final long outFeatures;
  public final Parameter weight;
  public final Parameter bias;

  public Linear(long inFeatures, long outFeatures) {
    this(inFeatures, outFeatures, true);
  }

  public Linear(long inFeatures, long outFeatures, boolean withBias) {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = parameter("weight", outFeatures, inFeatures);
    this.bias = withBias ? parameter("bias", outFeatures) : null;
  }

  /**
   * x [..., in] -> [..., out]; large inference products use every core (see {@link RowParallel}).
   */
  public Tensor forward(Tensor x) {
    Tensor split = RowParallel.linear(x, weight.get(), bias == null ? null : bias.get());
    if (split != null) return split;
    return torch.linear(
        x, weight.get(), bias == null ? new TensorOptional() : new TensorOptional(bias.get()));
  }

  @Override
  protected void initializeSelf(Generator g) {
    weight.set(Init.fanIn(g, inFeatures, outFeatures, inFeatures));
    if (bias != null) bias.set(Init.fanIn(g, inFeatures, outFeatures));
  }
}
