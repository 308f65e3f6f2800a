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

  /**
   * Example prompts that the model ships (captions of what it was trained on), empty when it ships
   * none: the web page then offers {@linkplain PromptExamples#generic() generic} ones.
   *
   * @throws IllegalArgumentException when the model's examples are unreadable (the message says
   *     why; the server logs it and falls back to the generic examples)
   */
  default List<PromptExample> shippedExamples(String title) throws java.io.IOException {
    return List.of();
  }

  /**
   * True when the model reads English prompts only (an English CLIP text encoder): generic examples
   * are then the English ones.
   */
  default boolean englishOnly(String title) {
    return false;
  }

  /** The standalone VAEs offered with these models (the {@code sd_vae} option); none by default. */
  default VaeFolder vaes() {
    return new VaeFolder(null);
  }

  /** The model of {@code title} or null. */
  default ModelInfo find(String title) {
    if (title == null) return null;
    for (ModelInfo m : models())
      if (m.title().equals(title) || m.modelName().equals(title)) return m;
    return null;
  }
}
