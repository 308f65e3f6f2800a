package org.altdiffusion.server;

import java.util.List;
import org.altdiffusion.pipeline.ImageGenerator;

/**
 * The models a server may use, found by the server's operator (a models folder); clients only ever
 * pick one of {@link #models()} by title, never give a path.
 */
public interface ModelRegistry {

  /** The models available now, in a stable order. */
  List<ModelInfo> models();

  /**
   * Loads {@code title} (one of {@link #models()}). Slow (reads weights); the server calls it on
   * its worker thread between jobs and closes the previous generator when it is {@link
   * AutoCloseable}.
   *
   * @throws IllegalArgumentException when no model has that title
   */
  ImageGenerator load(String title) throws Exception;

  /** The model of {@code title} or null. */
  default ModelInfo find(String title) {
    if (title == null) return null;
    for (ModelInfo m : models())
      if (m.title().equals(title) || m.modelName().equals(title)) return m;
    return null;
  }
}
