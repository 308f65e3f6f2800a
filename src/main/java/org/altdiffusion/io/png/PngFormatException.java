package org.altdiffusion.io.png;

/** A PNG that cannot be read: says what is wrong. */
public final class PngFormatException extends RuntimeException {
  public PngFormatException(String message) {
    super(message);
  }
}
