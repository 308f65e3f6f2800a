package org.altdiffusion.io.keys;

/**
 * A checkpoint's keys do not fit a {@link KeyMapping}: two stored keys map to one name, keys match
 * no rule of a strict table, or a value cannot be transformed. The message names the stored keys
 * and the names they map to. An {@link IllegalArgumentException}, as the checkpoint is the bad
 * argument.
 */
public final class KeyMappingException extends IllegalArgumentException {
  public KeyMappingException(String message) {
    super(message);
  }

  public KeyMappingException(String message, Throwable cause) {
    super(message, cause);
  }
}
