package org.altdiffusion.app;

import org.altdiffusion.engine.TorchErrors;

/** Turns any failure into the one line a user reads. */
final class Errors {
  private Errors() {}

  static String describe(Throwable ex) {
    if (ex instanceof RuntimeException re && TorchErrors.isNative(re))
      return TorchErrors.firstLine(re);
    String m = ex.getMessage();
    if (m == null || m.isBlank()) m = ex.getClass().getSimpleName();
    if (ex instanceof java.nio.file.NoSuchFileException) m = "no such file: " + m;
    if (ex instanceof java.nio.file.AccessDeniedException) m = "permission denied: " + m;
    if (ex instanceof OutOfMemoryError)
      m = "out of memory (raise -Xmx via JAVA_OPTS, or use smaller sizes): " + m;
    return m;
  }
}
