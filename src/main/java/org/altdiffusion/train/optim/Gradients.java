package org.altdiffusion.train.optim;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Gradient helpers of an optimiser step. */
public final class Gradients {
  private Gradients() {}

  /**
   * Scales the gradients so that their global L2 norm is at most {@code maxNorm} (torch's {@code
   * clip_grad_norm_}: factor {@code min(1, maxNorm / (norm + 1e-6))}); {@code maxNorm <= 0} only
   * measures. Returns the norm before clipping (NaN or infinite when a gradient is).
   */
  public static double clip(TensorVector params, double maxNorm) {
    return torch.clip_grad_norm_(
        params, maxNorm > 0 ? maxNorm : Double.POSITIVE_INFINITY, 2.0, false);
  }

  /**
   * The defined gradients of {@code params}, in order (undefined ones: parameters unused this
   * step).
   */
  public static List<Tensor> defined(TensorVector params) {
    List<Tensor> out = new ArrayList<>();
    for (long i = 0; i < params.size(); i++) {
      Tensor g = params.get(i).grad();
      if (g.defined()) out.add(g);
    }
    return out;
  }
}
