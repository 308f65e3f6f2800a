package org.altdiffusion.models.text;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.pytorch.Tensor;

/** The reference fixtures of tools/reference/make_text_encoder_fixtures.py. */
final class Fixtures {
  private Fixtures() {}

  static Path dir(String model) {
    try {
      return Path.of(Fixtures.class.getResource("/fixtures/text/" + model + "/config.json").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every tensor of {@code <model>/io.safetensors}, in memory (ids int64, outputs float32). */
  static Map<String, Tensor> io(String model) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    try (TensorSource s = SafeTensors.open(dir(model).resolve("io.safetensors"))) {
      for (String k : s.keys()) out.put(k, s.load(k));
    }
    return out;
  }
}
