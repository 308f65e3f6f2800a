package org.altdiffusion.engine;

/** Work ended at a step boundary because the process is stopping (SIGTERM, Ctrl-C, exit). */
public final class ShutdownRequestedException extends RuntimeException {

  public ShutdownRequestedException(String where) {
    super("stopped " + where + ": the process is shutting down (SIGTERM, Ctrl-C or exit)");
  }
}
