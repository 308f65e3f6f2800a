package org.altdiffusion.engine;

import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Large inference matrix products run on every core, without a second thread pool.
 *
 * <p>Why: libtorch hands {@code torch.linear} to OpenBLAS, whose thread pool lives beside torch's
 * OpenMP pool. We run OpenBLAS with one thread (see {@link ThreadSettings}): two pools on the same
 * cores oversubscribe them, and OpenBLAS threads woken for every small block product inside the
 * fused attention kernel made one 4096-token attention ~20x slower. But with one BLAS thread every
 * Linear layer ran on one core while the others idled: a third of an SD UNet step (PyTorch wheels
 * use MKL, which runs inside the OpenMP pool). Splitting rows over Java threads helped but collided
 * with the OpenMP workers, which spin for milliseconds after each parallel op.
 *
 * <p>How: the rows are viewed, without copying, as {@code frames} images of {@code rows/frames x 1}
 * pixels in channels-last layout, and the product as a 1x1 convolution. ATen's reference
 * convolution ({@code thnn_conv2d}) runs one single-threaded BLAS product per frame, frames spread
 * over torch's OpenMP threads, bias first copied into the output as addmm does: each output element
 * is computed by the same kernel over the same blocks as one {@code torch.linear} call, so results
 * are bitwise equal to it.
 *
 * <p>Only without autograd and only for products big enough to be worth a parallel region;
 * otherwise {@link #linear} returns null and the caller runs the plain op.
 */
public final class RowParallel {
  /** Below this many multiply-adds a product is not split (2^23 MACs take ~0.1 ms on one core). */
  static final long MIN_MACS = 1L << 23;

  /** Fewer rows than this per frame are not worth a frame. */
  static final long MIN_FRAME_ROWS = 16;

  private RowParallel() {}

  /**
   * {@code x W^T + b} over the last dimension of {@code x}, on every torch thread when worthwhile.
   *
   * @param x [..., in] float32
   * @param weight [out, in]
   * @param bias [out] or null
   * @return [..., out], or null when the product should not be split (the caller runs torch.linear)
   */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    long frames = frames(x, weight);
    if (frames < 2) return null;
    long in = weight.size(1);
    long outFeatures = weight.size(0);
    long rows = x.numel() / in;
    long[] outShape = Tensors.shape(x);
    outShape[outShape.length - 1] = outFeatures;
    Tensor pixels =
        x.view(frames, rows / frames, 1, in)
            .permute(0, 3, 1, 2); // [frames, in, rows/frames, 1], channels-last
    Tensor kernel = weight.view(outFeatures, in, 1, 1); // [out, in, 1, 1]
    Tensor y =
        torch.thnn_conv2d(
            pixels,
            kernel,
            new long[] {1, 1},
            bias == null ? new TensorOptional() : new TensorOptional(bias),
            new long[] {1, 1},
            new long[] {0, 0});
    // y: [frames, out, rows/frames, 1] channels-last, i.e. [frames, rows/frames, 1, out] in memory
    return y.permute(0, 2, 3, 1).reshape(outShape); // [..., out], a view
  }

  /**
   * How many frames: a divisor of the row count that gives every torch thread an equal share (or
   * nearly: at least 3/4 efficiency), or 1 when the product should run as one call.
   */
  static long frames(Tensor x, Tensor weight) {
    ThreadSettings settings = Torch.applied();
    if (settings == null || settings.blasThreads() != 1 || settings.torchThreads() < 2) return 1;
    if (GradMode.is_enabled() || !x.is_cpu() || !x.is_contiguous() || x.dim() < 2) return 1;
    if (x.scalar_type().value != torch.ScalarType.Float.value
        || weight.scalar_type().value != torch.ScalarType.Float.value
        || !weight.is_contiguous()) {
      return 1;
    }
    long in = weight.size(1);
    if (x.size(x.dim() - 1) != in) return 1; // let torch.linear report the shape error
    long rows = x.numel() / in;
    if (rows * in * weight.size(0) < MIN_MACS) return 1;
    int threads =
        torch.get_num_threads(); // this thread's pool: a ParallelPair worker has half of the
    // process's
    return threads < 2 ? 1 : frames(rows, threads);
  }

  /**
   * The smallest divisor of {@code rows} from {@code threads} up whose frames balance over the
   * threads.
   */
  static long frames(long rows, int threads) {
    for (long f = threads; f <= 4L * threads && rows / f >= MIN_FRAME_ROWS; f++) {
      if (rows % f != 0) continue;
      long perThread = (f + threads - 1) / threads; // frames of the busiest thread
      if (4 * f >= 3 * threads * perThread) return f;
    }
    return 1;
  }
}
