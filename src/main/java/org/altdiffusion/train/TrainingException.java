package org.altdiffusion.train;

/**
 * A run stopped: a non-finite loss under the STOP policy, a checkpoint that cannot be resumed, ...
 */
public final class TrainingException extends RuntimeException {
  public TrainingException(String message) {
    super(message);
  }

  public TrainingException(String message, Throwable cause) {
    super(message, cause);
  }
}
