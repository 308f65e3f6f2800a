package org.altdiffusion.nn;

import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Operations on a "fresh" tensor: one the caller has just computed and nobody else holds (the
 * output of a norm, convolution or linear layer). Without autograd they overwrite it instead of
 * allocating a new tensor: fewer allocations means fewer fresh memory pages to fault in and zero,
 * and less memory held by a native scope until it closes (a full-size VAE decode allocates tensors
 * of 64-256 MB). With autograd on they allocate as usual, since an in-place op could overwrite a
 * value the backward pass needs. The values are the same either way (x + y and y + x are the same
 * IEEE sum).
 */
public final class InPlace {
  private InPlace() {}

  /** True when this thread records no autograd graph (grad mode is per thread). */
  public static boolean enabled() {
    return !GradMode.is_enabled();
  }

  /** silu(fresh). */
  public static Tensor silu(Tensor fresh) {
    return enabled() ? torch.silu_(fresh) : torch.silu(fresh);
  }

  /** fresh + other; {@code other} must broadcast to the shape of {@code fresh}. */
  public static Tensor add(Tensor fresh, Tensor other) {
    return enabled() ? fresh.add_(other) : fresh.add(other);
  }

  /** fresh * other; {@code other} must broadcast to the shape of {@code fresh}. */
  public static Tensor mul(Tensor fresh, Tensor other) {
    return enabled() ? fresh.mul_(other) : fresh.mul(other);
  }
}
