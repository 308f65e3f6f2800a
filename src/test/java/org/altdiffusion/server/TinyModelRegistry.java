package org.altdiffusion.server;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.ImageGenerator;
import org.altdiffusion.pipeline.PipelineLoader;

/** The tiny test pipeline as the server's only model, loaded for real; counts its loads. */
final class TinyModelRegistry implements ModelRegistry {
  static final String TITLE = "tiny-altdiffusion";
  static final Path FOLDER = Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");

  final AtomicInteger loads = new AtomicInteger();
  final Path folder;
  volatile DiffusionPipeline pipeline;

  TinyModelRegistry() {
    this(FOLDER);
  }

  /** The tiny model from a copy of its folder (one with another scheduler config, say). */
  TinyModelRegistry(Path folder) {
    this.folder = folder;
  }

  @Override
  public List<ModelInfo> models() {
    return List.of(new ModelInfo(TITLE, TITLE, null, null, TITLE, "model_index.json"));
  }

  @Override
  public ImageGenerator load(String title) {
    if (find(title) == null) throw new IllegalArgumentException("no model " + title);
    loads.incrementAndGet();
    pipeline = PipelineLoader.load(folder);
    return pipeline;
  }
}
