package org.altdiffusion.nn;

import org.altdiffusion.engine.Autocast;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head attention with diffusers' parameter names: {@code to_q}, {@code to_k}, {@code to_v},
 * {@code to_out.0}. Self-attention when no context is given, cross-attention otherwise. The product
 * runs in libtorch's fused {@code scaled_dot_product_attention}.
 */
public final class Attention extends Module {
  public final long heads;
  public final long headDim;
  public final Linear toQ;
  public final Linear toK;
  public final Linear toV;
  public final Linear toOut;

  /**
   * @param queryDim width of the hidden states
   * @param contextDim width of the context (equal to queryDim for self-attention)
   * @param heads number of heads
   * @param headDim width of one head
   * @param qkvBias whether to_q/to_k/to_v carry a bias (false in the UNet, true in the VAE)
   */
  public Attention(long queryDim, long contextDim, long heads, long headDim, boolean qkvBias) {
    this.heads = heads;
    this.headDim = headDim;
    long inner = heads * headDim;
    toQ = child("to_q", new Linear(queryDim, inner, qkvBias));
    toK = child("to_k", new Linear(contextDim, inner, qkvBias));
    toV = child("to_v", new Linear(contextDim, inner, qkvBias));
    ModuleList<Linear> out = child("to_out", new ModuleList<>());
    toOut = out.add(new Linear(inner, queryDim, true));
  }

  /** hidden [B, N, queryDim], context [B, M, contextDim] or null -> [B, N, queryDim]. */
  public Tensor forward(Tensor hidden, Tensor context) {
    Tensor source = context == null ? hidden : context;
    Tensor q = toQ.forward(hidden);
    Tensor k = toK.forward(source);
    Tensor v = toV.forward(source);
    return toOut.forward(attend(q, k, v, heads, null));
  }

  /**
   * Scaled dot-product attention over packed heads.
   *
   * @param q [B, N, heads*d]
   * @param k [B, M, heads*d]
   * @param v [B, M, heads*d]
   * @param mask null, or broadcastable to [B, heads, N, M]: bool (true = attend) or additive float
   * @return [B, N, heads*d]
   */
  public static Tensor attend(Tensor q, Tensor k, Tensor v, long heads, Tensor mask) {
    long b = q.size(0);
    long n = q.size(1);
    long m = k.size(1);
    long d = q.size(2) / heads;
    Tensor qh = q.view(b, n, heads, d).transpose(1, 2); // [B, heads, N, d]
    Tensor kh = k.view(b, m, heads, d).transpose(1, 2); // [B, heads, M, d]
    Tensor vh = v.view(b, m, heads, d).transpose(1, 2); // [B, heads, M, d]
    Tensor o =
        MetaOps.on(qh, kh, vh)
            ? MetaOps.attention(qh, kh, vh, mask)
            : widenOnCpu && reducedOnCpu(qh) ? upcast(qh, kh, vh, mask) : fused(qh, kh, vh, mask);
    return o.transpose(1, 2).reshape(b, n, heads * d); // [B, N, heads*d]
  }

  private static Tensor fused(Tensor q, Tensor k, Tensor v, Tensor mask) {
    return torch.scaled_dot_product_attention(
        q,
        k,
        v,
        mask == null ? new TensorOptional() : new TensorOptional(mask),
        0.0,
        false,
        new DoubleOptional(),
        false);
  }

  /**
   * Whether bfloat16/float16 attention on the CPU runs the fused kernel in float32 ({@link
   * #upcast}; default true). False runs it in the inputs' type as PyTorch does (under autocast a
   * training step then equals torch.autocast's bit for bit: MixedPrecisionParityTest).
   */
  public static volatile boolean widenOnCpu = true;

  /** Whether {@code t} is bfloat16/float16 on the CPU. */
  private static boolean reducedOnCpu(Tensor t) {
    int type = t.scalar_type().value;
    return t.is_cpu()
        && (type == torch.ScalarType.BFloat16.value || type == torch.ScalarType.Half.value);
  }

  /**
   * The fused kernel in float32, result back in the inputs' type. Why: in these CPU natives the
   * fused kernel's bfloat16 path runs without oneDNN's micro-kernels, 25x slower than its float32
   * path ([2, 5, 1024, 64] self-attention, 1 thread: 1,257 ms vs 51 ms; PyTorch's wheel: 50 ms in
   * both); the float32 kernel also accumulates in float32, as the bfloat16 one does.
   */
  private static Tensor upcast(Tensor q, Tensor k, Tensor v, Tensor mask) {
    torch.ScalarType f = torch.ScalarType.Float;
    Tensor m =
        mask == null || mask.scalar_type().value == torch.ScalarType.Bool.value ? mask : mask.to(f);
    // outside autocast, which would narrow the widened inputs again (training, --mixed-precision)
    return Autocast.without(() -> fused(q.to(f), k.to(f), v.to(f), m)).to(q.scalar_type());
  }
}
