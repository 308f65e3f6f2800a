package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' (and k-diffusion's) {@code BrownianTreeNoiseSampler(x, sigma_min, sigma_max, seed)}
 * with a list of seeds, one per picture ({@code BatchedBrownianTree}): picture i's noise comes from
 * a {@link BrownianTree} over [sigma_min, sigma_max] seeded with seeds[i], so that a picture
 * reproduces from its own seed whatever the batch. With one picture this equals diffusers' single
 * integer seed; one seed for a larger batch is diffusers' single tree over the whole batch.
 */
final class BrownianNoise {
  private final List<BrownianTree> trees = new ArrayList<>();
  private final boolean batched;
  private final int sign;

  /**
   * @param sigmaMin the smallest nonzero sigma of the schedule (float32)
   * @param sigmaMax the largest (float32)
   * @param shape the batch's shape [B, ...]
   * @param seeds one non-negative seed per picture (B of them), or one seed for a single tree over
   *     the whole batch (diffusers' integer {@code noise_sampler_seed})
   */
  BrownianNoise(float sigmaMin, float sigmaMax, long[] shape, long[] seeds) {
    if (shape.length == 0 || (seeds.length != 1 && shape[0] != seeds.length))
      throw new IllegalArgumentException(
          "Brownian noise for a batch of "
              + (shape.length == 0 ? 0 : shape[0])
              + " needs one seed per picture (or one for all), got "
              + seeds.length);
    batched = shape[0] == seeds.length;
    long[] treeShape = batched ? Arrays.copyOfRange(shape, 1, shape.length) : shape; // [C, h, w]
    sign = sigmaMin < sigmaMax ? 1 : -1; // diffusers' sort(t0, t1)
    double t0 = Math.min(sigmaMin, sigmaMax);
    double t1 = Math.max(sigmaMin, sigmaMax);
    for (long seed : seeds) trees.add(new BrownianTree(t0, t1, treeShape, seed));
  }

  /**
   * Unit-variance noise of the Brownian motion between {@code sigma} and {@code sigmaNext}: {@code
   * (W(next) - W(sigma)) / sqrt|next - sigma|}, [B, ...] float32.
   */
  Tensor sample(float sigma, float sigmaNext) {
    boolean ascending = sigma < sigmaNext;
    double lo = ascending ? sigma : sigmaNext;
    double hi = ascending ? sigmaNext : sigma;
    TensorVector parts = new TensorVector();
    for (BrownianTree tree : trees) parts.push_back(tree.increment(lo, hi));
    Tensor w = batched ? torch.stack(parts, 0) : parts.get(0); // [B, ...]
    if (sign * (ascending ? 1 : -1) < 0) w = w.neg();
    float scale = (float) Math.sqrt(Math.abs(sigmaNext - sigma)); // float32 as torch computes it
    return w.div(new Scalar(scale));
  }
}
