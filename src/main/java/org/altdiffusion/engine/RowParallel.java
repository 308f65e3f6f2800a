package org.altdiffusion.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Inference matrix products split by rows over Java threads, so that they use every core.
 *
 * <p>Why: libtorch hands matrix products to OpenBLAS, whose thread pool lives beside torch's OpenMP
 * pool. We run OpenBLAS with one thread (see {@link ThreadSettings}): two pools on the same cores
 * oversubscribe them, and OpenBLAS threads woken for every small block product inside the fused
 * attention kernel made one 4096-token attention ~20x slower. But with one BLAS thread, every Linear
 * layer ran on one core while the others idled: a third of an SD UNet step (PyTorch wheels use MKL,
 * which shares the OpenMP pool). Here the rows of a large product are cut into one slice per torch
 * thread; each slice is a single-threaded OpenBLAS call on its own Java thread, while torch's pool is
 * idle. Each output element is computed by the same kernel over the same K blocks as one call would,
 * so results are bitwise equal to {@code torch.linear}.
 *
 * <p>Only without autograd (out= products record no graph) and only for products big enough to pay
 * for a thread hand-off; everything else returns null and the caller runs the plain op.
 */
public final class RowParallel {
  /** Below this many multiply-adds a product is not split (a hand-off costs ~10-50 us; 2^23 MACs ~0.1 ms). */
  static final long MIN_MACS = 1L << 23;

  private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();
  private static ExecutorService pool;
  private static int poolThreads;

  private RowParallel() {}

  /**
   * {@code x W^T + b} over the last dimension of {@code x}, split by rows when worthwhile.
   *
   * @param x [..., in] float32
   * @param weight [out, in]
   * @param bias [out] or null
   * @return [..., out], or null when the product should not be split (the caller runs torch.linear)
   */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    int parts = parts(x, weight);
    if (parts < 2) return null;
    long in = weight.size(1);
    long outFeatures = weight.size(0);
    long rows = x.numel() / in;
    long[] outShape = Tensors.shape(x);
    outShape[outShape.length - 1] = outFeatures;
    Tensor rowsIn = x.view(rows, in); // [rows, in]
    Tensor weightT = weight.t(); // [in, out]
    Tensor out = torch.empty(new long[] {rows, outFeatures}, x.options(), null); // [rows, out]
    // As ATen's addmm: bias copied into the output, then C = C + A B in the BLAS call (beta = 1).
    if (bias != null) out.copy_(bias.expand(rows, outFeatures));
    List<Future<?>> pending = new ArrayList<>();
    ExecutorService workers = pool(parts - 1);
    long start = 0;
    for (int p = 0; p < parts; p++) {
      long end = rows * (p + 1) / parts;
      long first = start;
      long count = end - start;
      Runnable slice = () -> product(out, rowsIn, weightT, first, count, bias != null);
      if (p == parts - 1) {
        slice.run(); // the calling thread does the last slice itself
      } else {
        pending.add(workers.submit(() -> {
          try (NoGradGuard noGrad = new NoGradGuard()) { // grad mode is per thread
            slice.run();
          }
        }));
      }
      start = end;
    }
    awaitAll(pending);
    return out.view(outShape); // [..., out]
  }

  /** How many slices: torch's thread count when OpenBLAS is single-threaded and the product is large, else 1. */
  private static int parts(Tensor x, Tensor weight) {
    ThreadSettings settings = Torch.applied();
    if (settings == null || settings.blasThreads() != 1 || settings.torchThreads() < 2) return 1;
    if (GradMode.is_enabled() || !x.is_contiguous() || x.dim() < 2) return 1;
    if (x.scalar_type().value != torch.ScalarType.Float.value || weight.scalar_type().value != torch.ScalarType.Float.value) {
      return 1;
    }
    long in = weight.size(1);
    if (x.size(x.dim() - 1) != in) return 1; // let torch.linear report the shape error
    long rows = x.numel() / in;
    if (rows * in * weight.size(0) < MIN_MACS) return 1;
    return (int) Math.min(settings.torchThreads(), Math.max(1, rows / 16));
  }

  /** out[first : first+count] (+)= x[first : first+count] W^T, one single-threaded BLAS call. */
  private static void product(Tensor out, Tensor rowsIn, Tensor weightT, long first, long count, boolean accumulate) {
    try (PointerScope scope = new PointerScope()) {
      Tensor target = out.narrow(0, first, count); // [count, out], contiguous rows
      Tensor source = rowsIn.narrow(0, first, count); // [count, in]
      if (accumulate) {
        torch.addmm_out(target, target, source, weightT); // target = target + source W^T
      } else {
        torch.mm_out(target, source, weightT);
      }
    }
  }

  private static void awaitAll(List<Future<?>> pending) {
    boolean interrupted = false;
    RuntimeException failure = null;
    for (Future<?> f : pending) {
      while (true) {
        try {
          f.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the slices write into our output: wait for them anyway
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (failure == null) {
            failure = cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
          }
          break;
        }
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    if (failure != null) throw failure;
  }

  /** A pool of {@code threads} daemon workers, rebuilt when the torch thread count changes. */
  private static synchronized ExecutorService pool(int threads) {
    if (pool == null || poolThreads != threads) {
      if (pool != null) pool.shutdown();
      pool = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "altdiffusion-gemm-" + THREAD_NUMBER.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      poolThreads = threads;
    }
    return pool;
  }
}
