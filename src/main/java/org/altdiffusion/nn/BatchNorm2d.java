package org.altdiffusion.nn;

import java.util.List;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Batch normalisation over [B, C, H, W] in evaluation mode (the running statistics, never the
 * batch's); keys {@code weight}, {@code bias}, {@code running_mean}, {@code running_var} [C]. The
 * {@code num_batches_tracked} counter that PyTorch saves is accepted and ignored.
 */
public final class BatchNorm2d extends Module {
  public final long channels;
  public final double eps;
  public final Parameter weight;
  public final Parameter bias;
  public final Parameter runningMean;
  public final Parameter runningVar;

  public BatchNorm2d(long channels, double eps) {
    this.channels = channels;
    this.eps = eps;
    this.weight = parameter("weight", channels);
    this.bias = parameter("bias", channels);
    this.runningMean = parameter("running_mean", channels);
    this.runningVar = parameter("running_var", channels);
    runningMean.setTrainable(false); // buffers in PyTorch: statistics, not weights
    runningVar.setTrainable(false);
  }

  @Override
  protected List<Pattern> ignoredKeys() {
    return List.of(Pattern.compile("num_batches_tracked"));
  }

  public Tensor forward(Tensor x) {
    return torch.batch_norm(
        x,
        new TensorOptional(weight.get()),
        new TensorOptional(bias.get()),
        new TensorOptional(runningMean.get()),
        new TensorOptional(runningVar.get()),
        false,
        0.1,
        eps,
        false);
  }

  @Override
  protected void initializeSelf(Generator g) {
    weight.set(Init.ones(channels));
    bias.set(Init.zeros(channels));
    runningMean.set(Init.zeros(channels));
    runningVar.set(Init.ones(channels));
  }
}
