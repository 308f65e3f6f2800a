package org.altdiffusion.eval;

import org.altdiffusion.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The Inception Score as torch-fidelity computes it ({@code isc_features_to_metric}): the logits
 * shuffled by {@code RandomState(seed).permutation(N)}, in float64, cut into {@code splits} chunks
 * of rows {@code [i N / splits, (i + 1) N / splits)}, each scored {@code exp(mean KL(p || mean
 * p))}, reported as the mean and population standard deviation of the chunk scores.
 */
public final class InceptionScore {
  /** torch-fidelity's defaults: 10 splits, shuffled with seed 2020. */
  public static final int DEFAULT_SPLITS = 10;

  public static final long DEFAULT_SEED = 2020;

  /** Mean and standard deviation over the splits. */
  public record Result(double mean, double std) {}

  private InceptionScore() {}

  /** With torch-fidelity's defaults. */
  public static Result of(Tensor logits) {
    return of(logits, DEFAULT_SPLITS, true, DEFAULT_SEED);
  }

  /**
   * @param logits [N, classes] ({@code logits_unbiased} of {@link
   *     org.altdiffusion.models.inception.FidInceptionV3#logits})
   * @param splits 1 <= splits <= N
   */
  public static Result of(Tensor logits, int splits, boolean shuffle, long seed) {
    long[] shape = Tensors.shape(logits);
    if (shape.length != 2) {
      throw new IllegalArgumentException(
          "logits must be [N, classes], got " + Tensors.shapeString(logits));
    }
    int n = Math.toIntExact(shape[0]);
    if (splits < 1 || splits > n) {
      throw new IllegalArgumentException(
          "the Inception Score of " + n + " pictures takes 1 to " + n + " splits, got " + splits);
    }
    double[] scores = new double[splits];
    try (PointerScope scope = new PointerScope()) {
      Tensor x = logits.to(torch.ScalarType.Double); // [N, C]
      if (shuffle) {
        long[] order = new long[n];
        int[] perm = new NumpyRandomState(seed).permutation(n);
        for (int i = 0; i < n; i++) order[i] = perm[i];
        x = x.index_select(0, Tensors.fromLongs(order, n)); // [N, C] in shuffled order
      }
      Tensor p = torch.softmax(x, 1, new ScalarTypeOptional()); // [N, C]
      Tensor logP = torch.log_softmax(x, 1, new ScalarTypeOptional()); // [N, C]
      for (int i = 0; i < splits; i++) {
        long from = (long) i * n / splits;
        long to = (long) (i + 1) * n / splits;
        scores[i] = chunkScore(p.narrow(0, from, to - from), logP.narrow(0, from, to - from));
      }
    }
    return summarise(scores);
  }

  /** exp(mean over rows of KL(p_row || q)), q the mean row. p, logP: [n, C]. */
  private static double chunkScore(Tensor p, Tensor logP) {
    Tensor q = p.mean(new long[] {0}, true, new ScalarTypeOptional()); // [1, C]
    Tensor kl = p.mul(logP.sub(q.log())); // [n, C]
    return kl.sum(new long[] {1}, false, new ScalarTypeOptional()).mean().exp().item_double();
  }

  private static Result summarise(double[] scores) {
    double mean = 0;
    for (double s : scores) mean += s;
    mean /= scores.length;
    double var = 0;
    for (double s : scores) var += (s - mean) * (s - mean);
    return new Result(mean, Math.sqrt(var / scores.length));
  }
}
