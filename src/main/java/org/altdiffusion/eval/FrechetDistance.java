package org.altdiffusion.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The Fréchet distance between two Gaussians, as pytorch-fid's {@code calculate_frechet_distance}:
 * {@code |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr(sqrtm(S1 S2))}, in float64. Only the trace of the
 * matrix square root enters, and the trace of scipy's Schur-based {@code sqrtm} is the sum of the
 * principal square roots of the Schur diagonal, i.e. of the eigenvalues of {@code S1 S2}: so this
 * takes the general eigenvalues (LAPACK geev through libtorch) and sums the real parts of their
 * complex square roots, as the real part of scipy's complex result does when rounding leaves tiny
 * negative or complex eigenvalues of a near-singular product. pytorch-fid retries with {@code 1e-6}
 * added to both diagonals only when scipy's result is not finite; for finite covariances, including
 * exactly singular ones (dimensions that never vary, fewer samples than dimensions), scipy 1.17
 * returned finite roots in every fixture case, and the eigenvalues here are always finite, so there
 * is no retry (it would move the distance by about 1e-5 relative).
 */
public final class FrechetDistance {
  private FrechetDistance() {}

  /** The distance between {@code a} and {@code b}, which must have the same dimension. */
  public static double between(GaussianStatistics a, GaussianStatistics b) {
    if (a.dim() != b.dim()) {
      throw new IllegalArgumentException(
          "the Fréchet distance needs statistics of one dimension; got "
              + a.dim()
              + " and "
              + b.dim()
              + " (e.g. 2048 for FID's pool features)");
    }
    try (PointerScope scope = new PointerScope()) {
      Tensor s1 = a.sigmaTensor();
      Tensor s2 = b.sigmaTensor();
      checkFinite(s1, "first covariance");
      checkFinite(s2, "second covariance");
      Tensor diff = a.muTensor().sub(b.muTensor()); // [d]
      double meanTerm = diff.dot(diff).item_double();
      Tensor eigenvalues = torch.linalg_eigvals(s1.matmul(s2)); // [d] complex
      double traceSqrt = torch.real(torch.sqrt(eigenvalues)).sum().item_double();
      return meanTerm + s1.trace().item_double() + s2.trace().item_double() - 2 * traceSqrt;
    }
  }

  private static void checkFinite(Tensor t, String what) {
    if (!torch.isfinite(t).all().item_bool()) {
      throw new IllegalArgumentException("the " + what + " has values that are not finite");
    }
  }
}
