package org.altdiffusion.train.data;

/** Thrown by {@link Dataset#get} for an example the run leaves out (and counts). */
public final class SkippedSample extends Exception {
  private final SkipReason reason;

  public SkippedSample(SkipReason reason, String detail) {
    super(reason.label() + ": " + detail, null, false, false);
    this.reason = reason;
  }

  public SkipReason reason() {
    return reason;
  }
}
