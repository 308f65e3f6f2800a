package org.altdiffusion.eval;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Npz;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Mean and covariance of a set of feature vectors, as pytorch-fid computes them ({@code np.mean},
 * {@code np.cov(rowvar=False)}: divided by N - 1) and caches them ({@code .npz} with {@code mu} [d]
 * and {@code sigma} [d, d]). Values in float64; {@code sigma} row-major.
 */
public record GaussianStatistics(double[] mu, double[] sigma, long count) {
  public GaussianStatistics {
    if ((long) mu.length * mu.length != sigma.length) {
      throw new IllegalArgumentException(
          "sigma has "
              + sigma.length
              + " values; a mean of "
              + mu.length
              + " needs "
              + mu.length
              + "^2");
    }
  }

  /** Length of the feature vectors. */
  public int dim() {
    return mu.length;
  }

  /**
   * The statistics of the rows of {@code features}.
   *
   * @param features [N, d], N >= 2
   */
  public static GaussianStatistics of(Tensor features) {
    long[] shape = Tensors.shape(features);
    if (shape.length != 2 || shape[0] < 2) {
      throw new IllegalArgumentException(
          "statistics need [N, d] features with N >= 2, got " + Tensors.shapeString(features));
    }
    try (PointerScope scope = new PointerScope()) {
      Tensor x = features.to(torch.ScalarType.Double); // [N, d]
      Tensor mu =
          x.mean(new long[] {0}, false, new org.bytedeco.pytorch.ScalarTypeOptional()); // [d]
      Tensor sigma = torch.cov(x.t()); // [d, d], rows = variables as np.cov(rowvar=False) of x
      return new GaussianStatistics(doubles(mu), doubles(sigma), shape[0]);
    }
  }

  /** pytorch-fid's cached statistics ({@code mu}, {@code sigma}) of {@code npz}, checked. */
  public static GaussianStatistics read(Path npz) {
    Map<String, Npz.Array> arrays = Npz.read(npz);
    Npz.Array mu = arrays.get("mu");
    Npz.Array sigma = arrays.get("sigma");
    if (mu == null || sigma == null || mu.values() == null || sigma.values() == null) {
      throw new CheckpointException(
          npz, "FID statistics need numeric arrays 'mu' and 'sigma'; found " + arrays.keySet());
    }
    long[] ms = mu.shape();
    long[] ss = sigma.shape();
    if (ms.length != 1 || ss.length != 2 || ss[0] != ms[0] || ss[1] != ms[0]) {
      throw new CheckpointException(
          npz,
          "'mu' must be [d] and 'sigma' [d, d]; found "
              + java.util.Arrays.toString(ms)
              + " and "
              + java.util.Arrays.toString(ss));
    }
    return new GaussianStatistics(mu.values(), sigma.values(), 0);
  }

  /** Writes {@code mu} and {@code sigma} as pytorch-fid's {@code --save-stats} does. */
  public void write(Path npz) {
    Map<String, Npz.Array> arrays = new LinkedHashMap<>();
    arrays.put("mu", Npz.Array.of(mu, mu.length));
    arrays.put("sigma", Npz.Array.of(sigma, mu.length, mu.length));
    Npz.write(npz, arrays);
  }

  /** This record's mean as a float64 tensor [d]. */
  Tensor muTensor() {
    return Tensors.fromDoubles(mu, mu.length);
  }

  /** This record's covariance as a float64 tensor [d, d]. */
  Tensor sigmaTensor() {
    return Tensors.fromDoubles(sigma, mu.length, mu.length);
  }

  private static double[] doubles(Tensor t) {
    Tensor c = t.contiguous();
    double[] out = new double[(int) c.numel()];
    c.data_ptr_double().get(out);
    return out;
  }
}
