package org.altdiffusion.models;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.SafeTensors;
import org.bytedeco.pytorch.Tensor;

/** Access to the reference fixtures under src/test/resources/fixtures. */
public final class Fixtures {
  private Fixtures() {}

  /** The folder {@code fixtures/<relative>} on the test classpath. */
  public static Path dir(String relative) {
    URL url = Fixtures.class.getResource("/fixtures/" + relative);
    if (url == null) throw new IllegalStateException("missing fixture folder fixtures/" + relative);
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A tensor of {@code io.safetensors} in {@code folder}, copied into memory. */
  public static Tensor tensor(Path folder, String key) {
    try (SafeTensors.Reader r = SafeTensors.open(folder.resolve("io.safetensors"))) {
      return r.loadRaw(key);
    }
  }

  /** Max abs difference, printed with its context so test logs carry the parity figures. */
  public static double report(String what, Tensor actual, Tensor expected) {
    double diff = Tensors.maxAbsDiff(actual, expected);
    double ref = expected.abs().max().item_double();
    System.out.printf("%-28s max abs diff %.3e (max |ref| %.3f)%n", what, diff, ref);
    return diff;
  }
}
