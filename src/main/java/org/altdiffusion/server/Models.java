package org.altdiffusion.server;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.altdiffusion.pipeline.ImageGenerator;

/**
 * Which model is current and the one loaded generator. One model is held in memory at a time (they
 * are gigabytes): switching loads the new one and closes the old. Only the job worker thread loads
 * and uses generators; HTTP threads read the remembered sampler names.
 */
final class Models {
  private static final Logger LOG = Logger.getLogger(Models.class.getName());
  private final ModelRegistry registry;
  private volatile String current;
  private String loadedTitle;
  private String loadedVae;
  private ImageGenerator loaded;

  /** What each model that was ever loaded accepts, so that HTTP threads never touch a generator. */
  private final java.util.Map<String, List<String>> samplers =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The default image side of each model that was ever loaded. */
  private final java.util.Map<String, Integer> defaultSizes =
      new java.util.concurrent.ConcurrentHashMap<>();

  Models(ModelRegistry registry, String initial) {
    this.registry = registry;
    List<ModelInfo> all = registry.models();
    if (initial != null) {
      ModelInfo m = registry.find(initial);
      if (m == null)
        throw new IllegalArgumentException(
            "no model named '" + initial + "'; available: " + titles(all));
      current = m.title();
    } else if (!all.isEmpty()) {
      current = all.get(0).title();
    }
  }

  ModelRegistry registry() {
    return registry;
  }

  /** The title new requests use, null when there is no model at all. */
  String current() {
    return current;
  }

  /**
   * Resolves a client-given model name (title or short name) to a title, or a 404 listing the
   * models.
   */
  String resolve(String name) {
    ModelInfo m = registry.find(name);
    if (m == null) {
      // A1111 titles carry " [hash]" and clients may send them back; accept the bare name too.
      String bare =
          name.replaceAll("\\s*\\[[0-9a-fA-F]*]\\s*$", "").replaceAll("\\.(safetensors|ckpt)$", "");
      m = registry.find(bare);
    }
    if (m == null)
      throw ApiException.notFound(
          "Model not found",
          "no model named '"
              + Json.abbreviate(name)
              + "'; available: "
              + titles(registry.models()));
    return m.title();
  }

  void setCurrent(String title) {
    current = resolve(title);
  }

  /** The generator of {@code title}, loading it (and closing the previous one) when needed. */
  synchronized ImageGenerator acquire(String title) throws Exception {
    if (title == null)
      throw new IllegalStateException("no model is available: the models folder has none");
    String vae = registry.vaes().selected();
    if (title.equals(loadedTitle) && vae.equals(loadedVae)) return loaded;
    release();
    LOG.info("loading model " + title);
    long t0 = System.nanoTime();
    ImageGenerator g = registry.load(title);
    loaded = g;
    loadedTitle = title;
    loadedVae = vae;
    samplers.put(title, List.copyOf(g.samplerNames()));
    defaultSizes.put(title, g.defaultSize());
    LOG.info(String.format("loaded model %s in %.1f s", title, (System.nanoTime() - t0) / 1e9));
    return g;
  }

  /** Sampler names of {@code title}, null when that model was never loaded. */
  List<String> samplerNames(String title) {
    return title == null ? null : samplers.get(title);
  }

  /** Default image side of {@code title} in pixels, null when that model was never loaded. */
  Integer defaultSize(String title) {
    return title == null ? null : defaultSizes.get(title);
  }

  /** Title of the model in memory, null when none. */
  synchronized String loadedTitle() {
    return loadedTitle;
  }

  /** Whether the model in memory was loaded with the VAE chosen now. */
  synchronized boolean loadedWithCurrentVae() {
    return registry.vaes().selected().equals(loadedVae);
  }

  synchronized void release() {
    if (loaded instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.log(Level.WARNING, "closing model " + loadedTitle + " failed", e);
      }
    }
    loaded = null;
    loadedTitle = null;
  }

  static String titles(List<ModelInfo> all) {
    if (all.isEmpty()) return "(none)";
    List<String> t = all.stream().map(ModelInfo::title).toList();
    return String.join(", ", t);
  }
}
