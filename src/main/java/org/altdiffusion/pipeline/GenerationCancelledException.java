package org.altdiffusion.pipeline;

/** A run stopped because its {@link ProgressListener} asked to cancel. */
public final class GenerationCancelledException extends RuntimeException {
  private final int stepsDone;

  public GenerationCancelledException(int stepsDone) {
    super("generation cancelled after " + stepsDone + " steps");
    this.stepsDone = stepsDone;
  }

  public int stepsDone() {
    return stepsDone;
  }
}
