package org.altdiffusion.engine;

import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * Native memory by scope. Every tensor made while a {@link PointerScope} is open is freed when it
 * closes; {@link #keep} hands one result to the enclosing scope (or to the caller when there is
 * none) so that intermediates of a step die with the step.
 */
public final class Scopes {
  private Scopes() {}

  /** Runs {@code body} in its own scope and returns its result alive in the enclosing scope. */
  public static <T extends Pointer> T keep(Supplier<T> body) {
    T result;
    try (PointerScope scope = new PointerScope()) {
      result = body.get();
      result.retainReference();
    }
    handOff(result);
    return result;
  }

  /**
   * Runs {@code body} in its own scope and returns its results (null entries allowed) alive in the
   * enclosing scope.
   */
  public static <T extends Pointer> T[] keepAll(Supplier<T[]> body) {
    T[] results;
    try (PointerScope scope = new PointerScope()) {
      results = body.get();
      for (T p : results) if (p != null) p.retainReference();
    }
    handOff(results);
    return results;
  }

  /**
   * Gives pointers retained in a scope that has since closed to the now innermost scope, which
   * frees them when it closes; with no scope open they stay retained and the caller owns them
   * (frees them with {@link #release}). Null entries are skipped. The one way a result leaves its
   * scope.
   */
  public static void handOff(Pointer... retained) {
    PointerScope outer = PointerScope.getInnerScope();
    if (outer == null) return;
    for (Pointer p : retained) {
      if (p == null) continue;
      outer.attach(p);
      p.releaseReference();
    }
  }

  /**
   * Runs {@code stages} one after the other, each on the previous one's result and in its own
   * scope, and frees each intermediate result as soon as the next exists (the input is the caller's
   * and is left alone): a network's peak memory is then that of one stage, not the sum of every
   * stage's output. Autograd keeps what it saved for backward on its own. The last result is alive
   * in the enclosing scope.
   */
  public static <T extends Pointer> T chain(T input, List<UnaryOperator<T>> stages) {
    T current = input;
    for (int i = 0; i < stages.size(); i++) {
      T in = current;
      T next;
      try (PointerScope scope = new PointerScope()) {
        next = stages.get(i).apply(in);
        next.retainReference();
      }
      if (next == in) {
        next.releaseReference(); // the stage gave its input back: nothing new to own
        continue;
      }
      if (in != input) in.releaseReference(); // frees the intermediate
      current = next;
    }
    if (current != input) handOff(current);
    return current;
  }

  /** Runs {@code body} in its own scope; everything it made natively is freed afterwards. */
  public static void run(Runnable body) {
    try (PointerScope scope = new PointerScope()) {
      body.run();
    }
  }

  /**
   * Makes {@code p} outlive every scope: it is freed only by {@link #release}. Used for module
   * parameters and other long-lived state.
   */
  public static <T extends Pointer> T retain(T p) {
    p.retainReference();
    return p;
  }

  /** Undoes {@link #retain}. */
  public static void release(Pointer p) {
    if (p != null && !p.isNull()) p.releaseReference();
  }
}
