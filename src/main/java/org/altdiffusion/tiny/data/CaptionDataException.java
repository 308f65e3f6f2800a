package org.altdiffusion.tiny.data;

/** A caption data file is malformed or incomplete; the message names the file and the field. */
public final class CaptionDataException extends RuntimeException {
  public CaptionDataException(String source, String problem) {
    super(source + ": " + problem);
  }
}
