package org.altdiffusion.engine;

/** A libtorch error turned into one readable message, without the C++ backtrace. */
public final class TorchException extends RuntimeException {

  public TorchException(String context, RuntimeException nativeError) {
    super(context + ": " + TorchErrors.firstLine(nativeError), nativeError);
  }
}
