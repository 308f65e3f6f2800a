package org.altdiffusion.engine;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Two independent computations at once, each on its own share of the cores.
 *
 * <p>Why: a guided step of a small model is two UNet passes (unconditional and conditional) of a
 * few hundred small ops each. Batched together on two torch threads they took 12.1-12.7 ms on this
 * 2-core machine and 11.9-12.3 ms on one thread: ops that small gain nothing from splitting each
 * one over cores. Run side by side, one pass per core, the pair took 9.3 ms.
 *
 * <p>How: two long-lived worker threads whose OpenMP pools hold half of the torch threads each
 * (libtorch sizes the pool per thread, from the global count when a thread first runs a parallel
 * op; the workers set theirs and the global count is then put back). Each computation runs in the
 * caller's grad mode, in its own {@link PointerScope}; its result is handed to the caller's scope.
 * The caller waits for both, even when one fails, so no native work outlives the inputs.
 */
public final class ParallelPair {
  private static volatile ExecutorService workers;
  private static volatile int workerThreads;
  private static final AtomicLong RUNS = new AtomicLong();

  private ParallelPair() {}

  /**
   * Runs {@code first} and {@code second} at once; returns their results alive in the caller's
   * scope.
   */
  public static Tensor[] run(Supplier<Tensor> first, Supplier<Tensor> second) {
    ExecutorService pool = workers();
    boolean grad = GradMode.is_enabled();
    List<Future<Tensor>> futures =
        List.of(pool.submit(() -> compute(first, grad)), pool.submit(() -> compute(second, grad)));
    Tensor[] results = new Tensor[2];
    Throwable failure = null;
    for (int k = 0; k < 2; k++) {
      try {
        results[k] = awaitUninterruptibly(futures.get(k));
      } catch (ExecutionException e) {
        if (failure == null) failure = e.getCause();
      }
    }
    RUNS.incrementAndGet();
    if (failure != null) {
      for (Tensor t : results) Scopes.release(t);
      if (failure instanceof RuntimeException r) throw r;
      if (failure instanceof Error e) throw e;
      throw new IllegalStateException(failure);
    }
    Scopes.handOff(results);
    return results;
  }

  /** How many pairs have run in this process (diagnostics: which layout a pipeline chose). */
  public static long runs() {
    return RUNS.get();
  }

  /** The torch threads each worker uses: half of the process's, at least one. */
  public static int threadsPerWorker() {
    workers();
    return workerThreads;
  }

  /**
   * Stops the workers; the next {@link #run} starts new ones with the thread settings then in
   * force.
   */
  static void reset() {
    synchronized (Torch.class) { // one lock with Torch.init, which calls this
      ExecutorService pool = workers;
      workers = null;
      if (pool != null) pool.shutdown();
    }
  }

  /** Runs {@code probe} on a worker and returns its result (for checking the workers' settings). */
  static <T> T onWorker(Callable<T> probe) throws Exception {
    return workers().submit(probe).get();
  }

  private static Tensor compute(Supplier<Tensor> body, boolean grad) {
    try (AutoGradMode mode = new AutoGradMode(grad);
        PointerScope scope = new PointerScope()) {
      Tensor result = body.get();
      result.retainReference();
      return result;
    }
  }

  /** Waits without being interrupted: the inputs must stay alive until the worker is done. */
  private static Tensor awaitUninterruptibly(Future<Tensor> f) throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  private static ExecutorService workers() {
    ExecutorService pool = workers;
    if (pool != null) return pool;
    synchronized (Torch.class) {
      if (workers == null) workers = start();
      return workers;
    }
  }

  /** Two daemon workers, each with its own pool size, after which the global count is restored. */
  private static ExecutorService start() {
    ThreadSettings settings = Torch.current();
    int perWorker = Math.max(1, settings.torchThreads() / 2);
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            2,
            2,
            0,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "altdiffusion-pair-" + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Future<?>[] ready = new Future<?>[2];
    CyclicBarrier both = new CyclicBarrier(2);
    for (int i = 0; i < 2; i++) {
      ready[i] =
          pool.submit(
              () -> {
                torch.set_num_threads(
                    perWorker); // this thread's pool size (and, for now, the global one)
                torch.get_num_threads(); // marks this thread's pool as initialised
                both.await(); // both workers started, so neither can pick up the other's task
                return null;
              });
    }
    try {
      for (Future<?> f : ready) f.get();
    } catch (InterruptedException | ExecutionException e) {
      pool.shutdownNow();
      throw new IllegalStateException("could not start the paired workers: " + e, e);
    } finally {
      torch.set_num_threads(
          settings.torchThreads()); // the global count back, for every other thread
    }
    workerThreads = perWorker;
    return pool;
  }
}
