package org.altdiffusion.train;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.pytorch.Tensor;

/**
 * Fixtures of tools/reference/make_training_fixtures.py and other areas' fixtures the tests reuse.
 */
public final class TrainingFixtures {
  private TrainingFixtures() {}

  /** {@code src/test/resources/fixtures/<relative>}. */
  public static Path path(String relative) {
    try {
      return Path.of(TrainingFixtures.class.getResource("/fixtures/" + relative).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing test fixture " + relative, e);
    }
  }

  public static Path training(String name) {
    return path("training/" + name);
  }

  /** Every tensor of a safetensors fixture, in memory. */
  public static Map<String, Tensor> tensors(Path file) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (TensorSource s = SafeTensors.open(file)) {
      for (String k : s.keys()) out.put(k, org.altdiffusion.engine.Scopes.retain(s.loadRaw(k)));
    }
    return out;
  }
}
