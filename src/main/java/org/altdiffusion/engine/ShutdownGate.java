package org.altdiffusion.engine;

import java.io.PrintStream;
import java.time.Duration;

/**
 * Keeps the JVM from finishing its exit while a thread is still inside libtorch.
 *
 * <p>On SIGTERM or Ctrl-C the JVM runs its shutdown hooks and then the C library's {@code exit},
 * which runs libtorch's static destructors, while threads in native code keep running: a training
 * thread inside {@code Tensor.backward()} then read a destroyed global and the JVM died with
 * SIGSEGV (a null pc in {@code at::accelerator::getAccelerator}, VM state "at safepoint (shutting
 * down)"; 2 of 13 SIGTERMs into {@code tiny train-clip}). So work that calls libtorch runs inside
 * {@link #enter} sections; the shutdown hook marks the process as stopping and waits until every
 * section has ended; the step loops call {@link #check} and end with {@link
 * ShutdownRequestedException} at the next step. SIGKILL needs none of this (no destructors run).
 */
public final class ShutdownGate {

  /** How long the hook waits for the sections by default; then the exit goes on regardless. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(120);

  private static final ShutdownGate PROCESS = new ShutdownGate();

  private final Object lock = new Object();
  private int active;
  private volatile boolean stopping;
  private boolean hookInstalled;

  ShutdownGate() {}

  /** The process's gate. */
  public static ShutdownGate process() {
    return PROCESS;
  }

  /** One thread's stretch of native work; closing it lets a waiting exit go on. */
  public interface Section extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Starts a section of native work on the process's gate and installs its shutdown hook (once).
   */
  public static Section enterProcess() {
    PROCESS.installHook(System.err);
    return PROCESS.enter();
  }

  /** Throws at a step boundary of the process's gate when the process is stopping. */
  public static void checkProcess(String where) {
    PROCESS.check(where);
  }

  /** Starts a section. Close it when the native work ends. */
  public Section enter() {
    synchronized (lock) {
      active++;
    }
    return new Section() {
      private boolean closed;

      @Override
      public void close() {
        synchronized (lock) {
          if (closed) return;
          closed = true;
          active--;
          lock.notifyAll();
        }
      }
    };
  }

  /**
   * Ends the caller's work at a step boundary when the process is stopping.
   *
   * @param where what was interrupted, for the message (e.g. "training at step 12")
   */
  public void check(String where) {
    if (stopping) throw new ShutdownRequestedException(where);
  }

  /** Whether the process has begun to stop. */
  public boolean stopping() {
    return stopping;
  }

  /** Sections running now. */
  public int active() {
    synchronized (lock) {
      return active;
    }
  }

  /**
   * Marks the gate as stopping and waits until no section is running or {@code limit} has passed.
   *
   * @return whether every section ended in time
   */
  public boolean stopAndAwait(Duration limit) {
    stopping = true;
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (lock) {
      while (active > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return false;
        try {
          lock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return active == 0;
        }
      }
      return true;
    }
  }

  private void installHook(PrintStream out) {
    synchronized (lock) {
      if (hookInstalled) return;
      hookInstalled = true;
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> awaitAtExit(out), "altdiffusion-native-exit"));
  }

  private void awaitAtExit(PrintStream out) {
    stopping = true;
    if (active() == 0) return;
    out.println(
        "stopping: letting the current step finish (up to "
            + DEFAULT_WAIT.toSeconds()
            + " s; SIGKILL stops at once)");
    out.flush();
    if (!stopAndAwait(DEFAULT_WAIT))
      out.println("stopping: native work still running after the wait; exiting anyway");
  }
}
