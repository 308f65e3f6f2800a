package org.altdiffusion.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The rule every fuzz target asserts: an input is either accepted or refused with one of the
 * exceptions our code throws on purpose (a type we own, or an {@code IllegalArgumentException}
 * thrown by our own code) carrying a message; any other exception, an empty message or a hang (over
 * {@link #LIMIT}; the first input of a JVM gets {@link #FIRST_LIMIT}) fails the target. Jazzer's
 * sanitizers meanwhile catch anything executed, deserialized or looked up.
 */
public final class FuzzOutcome {
  /** Longest time one input may take. */
  public static final Duration LIMIT = Duration.ofSeconds(10);

  /**
   * Longest time the first input of a JVM may take: it loads the classes, and under Jazzer's
   * fuzzing mode each is instrumented then (seconds per class on a loaded machine).
   */
  public static final Duration FIRST_LIMIT = Duration.ofSeconds(180);

  private static final java.util.concurrent.atomic.AtomicBoolean FIRST =
      new java.util.concurrent.atomic.AtomicBoolean(true);

  private static final ExecutorService WORKER =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "fuzz-input");
            t.setDaemon(true);
            return t;
          });

  private FuzzOutcome() {}

  /** The body of a fuzz target. */
  @FunctionalInterface
  public interface Body {
    void run() throws Exception;
  }

  /**
   * Runs {@code body} on one input.
   *
   * @param refusals the exception types that mean "a clear refusal" for this input format
   */
  public static void acceptedOrRefused(List<Class<? extends Throwable>> refusals, Body body) {
    acceptedOrRefused(refusals, LIMIT, body);
  }

  /**
   * Runs {@code body} on one input that may take up to {@code limit}: targets whose every input
   * builds a whole model (a single-file checkpoint) need more than {@link #LIMIT} on a loaded
   * machine.
   */
  public static void acceptedOrRefused(
      List<Class<? extends Throwable>> refusals, Duration inputLimit, Body body) {
    Future<?> f =
        WORKER.submit(
            () -> {
              body.run();
              return null;
            });
    Duration limit = FIRST.getAndSet(false) ? FIRST_LIMIT : inputLimit;
    try {
      f.get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionError("no result after " + limit.toSeconds() + " s (hang)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      if (!isRefusal(t, refusals)) throw new AssertionError("not a clear refusal: " + t, t);
    }
  }

  /**
   * Whether {@code t} is a deliberate refusal: a listed type with a message, raised by our code.
   */
  public static boolean isRefusal(Throwable t, List<Class<? extends Throwable>> refusals) {
    if (t.getMessage() == null || t.getMessage().isBlank()) return false;
    for (Class<? extends Throwable> c : refusals) {
      if (!c.isInstance(t)) continue;
      if (c != IllegalArgumentException.class || t.getClass() != IllegalArgumentException.class)
        return true;
      return thrownByUs(t);
    }
    return false;
  }

  private static boolean thrownByUs(Throwable t) {
    StackTraceElement[] trace = t.getStackTrace();
    return trace.length > 0 && trace[0].getClassName().startsWith("org.altdiffusion.");
  }
}
