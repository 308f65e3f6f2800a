package org.altdiffusion.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.altdiffusion.pipeline.ImageGenerator;

/** TEST DOUBLE registry: named models served by {@link TestImageGenerator}s; records every load. */
final class TestModels implements ModelRegistry {
  private final List<String> names;
  private final long stepDelayMillis;
  private final int defaultSize;
  final List<TestImageGenerator> loaded = new CopyOnWriteArrayList<>();

  /** The standalone VAEs offered (none unless a test sets a folder). */
  volatile VaeFolder vaes = new VaeFolder(null);

  @Override
  public VaeFolder vaes() {
    return vaes;
  }

  TestModels(long stepDelayMillis, int defaultSize, String... names) {
    this.names = List.of(names);
    this.stepDelayMillis = stepDelayMillis;
    this.defaultSize = defaultSize;
  }

  @Override
  public List<ModelInfo> models() {
    List<ModelInfo> out = new ArrayList<>();
    for (String n : names) out.add(ModelInfo.named(n));
    return out;
  }

  @Override
  public ImageGenerator load(String title) {
    if (!names.contains(title)) throw new IllegalArgumentException("no model " + title);
    TestImageGenerator g = new TestImageGenerator(title, stepDelayMillis, defaultSize);
    loaded.add(g);
    return g;
  }
}
