package org.altdiffusion.nn;

import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Shape-only stand-ins, on libtorch's {@code meta} device, for the few ops whose meta kernels
 * PyTorch registers from Python ({@code torch/_meta_registrations.py}) and so are missing from
 * libtorch's C++ build: convolution, group and layer norm, the embedding lookup and scaled
 * dot-product attention (measured: every other op this project runs has a C++ meta kernel). They
 * let a whole generation or training step run on {@code meta}, where a tensor made on the CPU by
 * mistake raises a device mismatch: how device-genericity is tested without a GPU. Like libtorch's
 * own kernels they refuse inputs on another device; their output is tied to every floating input
 * (times zero) so that autograd reaches the weights as it would.
 */
final class MetaOps {
  private MetaOps() {}

  /** Whether any of {@code ts} (nulls skipped) is on meta: then the caller returns a stand-in. */
  static boolean on(Tensor... ts) {
    for (Tensor t : ts) if (t != null && t.is_meta()) return true;
    return false;
  }

  /**
   * A zero tensor of {@code shape} in {@code like}'s dtype on meta, connected to {@code inputs}
   * (nulls skipped), after checking that every input is on meta as libtorch would.
   */
  static Tensor result(String op, long[] shape, Tensor like, Tensor... inputs) {
    Tensor out = torch.zeros(shape, like.options());
    for (Tensor in : inputs) {
      if (in == null) continue;
      if (!in.is_meta())
        throw new IllegalStateException(
            "Expected all tensors to be on the same device, but found at least two devices, meta"
                + " and "
                + ComputeDevice.of(in)
                + " ("
                + op
                + " input of shape "
                + Tensors.shapeString(in)
                + ")");
      if (in.is_floating_point()) out = out.add(in.sum().mul(new Scalar(0.0)));
    }
    return out;
  }

  /** conv2d's output: [B, out, (H + 2p - k) / s + 1, (W + 2p - k) / s + 1] (dilation 1). */
  static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long stride, long padding) {
    long kh = weight.size(2);
    long kw = weight.size(3);
    long h = (x.size(2) + 2 * padding - kh) / stride + 1;
    long w = (x.size(3) + 2 * padding - kw) / stride + 1;
    return result("conv2d", new long[] {x.size(0), weight.size(0), h, w}, x, x, weight, bias);
  }

  /** A normalisation's output: shaped like {@code x}. */
  static Tensor norm(String op, Tensor x, Tensor weight, Tensor bias) {
    return result(op, Tensors.shape(x), x, x, weight, bias);
  }

  /** The embedding lookup's output: [ids..., dim]. */
  static Tensor embedding(Tensor weight, Tensor ids) {
    long[] idShape = Tensors.shape(ids);
    long[] shape = java.util.Arrays.copyOf(idShape, idShape.length + 1);
    shape[idShape.length] = weight.size(1);
    return result("embedding", shape, weight, weight, ids);
  }

  /** Attention's output: [..., N, dv] for q [..., N, d] and v [..., M, dv]. */
  static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask) {
    long[] shape = Tensors.shape(q);
    shape[shape.length - 1] = v.size(v.dim() - 1);
    return result("scaled_dot_product_attention", shape, q, q, k, v, mask);
  }
}
