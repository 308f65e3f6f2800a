package org.altdiffusion.engine;

import java.util.function.Supplier;

/**
 * libtorch errors reach Java as RuntimeException whose message is the ATen message followed by a
 * long C++ backtrace. At our boundaries we keep the message and name what we were doing.
 */
public final class TorchErrors {
  private TorchErrors() {}

  /**
   * Runs {@code body}; a libtorch error becomes a {@link TorchException} saying {@code context}.
   */
  public static <T> T guard(String context, Supplier<T> body) {
    try {
      return body.get();
    } catch (TorchException e) {
      throw e;
    } catch (RuntimeException e) {
      if (!isNative(e)) throw e;
      throw new TorchException(context, e);
    }
  }

  /** True for an exception thrown by the native layer (not one of our own Java errors). */
  public static boolean isNative(RuntimeException e) {
    if (e.getClass() != RuntimeException.class) return false;
    String m = e.getMessage();
    return m != null
        && (m.contains("Exception raised from") || m.contains("c10::") || m.contains("frame #"));
  }

  /** The ATen message without the backtrace: lines before "Exception raised from" / "frame #". */
  public static String firstLine(RuntimeException e) {
    String m = e.getMessage();
    if (m == null) return e.getClass().getSimpleName();
    StringBuilder out = new StringBuilder();
    for (String line : m.split("\n")) {
      String t = line.strip();
      if (t.startsWith("Exception raised from") || t.startsWith("frame #")) break;
      if (t.isEmpty()) continue;
      if (out.length() > 0) out.append(' ');
      out.append(t);
    }
    return out.length() == 0 ? m.lines().findFirst().orElse(m) : out.toString();
  }
}
