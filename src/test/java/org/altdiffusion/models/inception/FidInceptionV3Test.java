package org.altdiffusion.models.inception;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.Npz;
import org.altdiffusion.nn.StateDictException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * pytorch-fid's InceptionV3 with random weights (make_fid_fixtures.py): the keys of the
 * pt_inception layout load strictly, and the pool features and unbiased logits of two odd-size
 * pictures equal pytorch-fid's within 1e-4.
 */
class FidInceptionV3Test {
  static final Path DIR = Path.of("src/test/resources/fixtures/eval");
  static FidInceptionV3 model;

  @BeforeAll
  static void load() throws Exception {
    model = new FidInceptionV3();
    model.load(randomWeights());
  }

  @AfterAll
  static void free() {
    model.clear();
  }

  /** The fixture's weights, drawn here in its order from one generator seeded 0. */
  static Map<String, Tensor> randomWeights() throws Exception {
    Map<String, Tensor> out = new LinkedHashMap<>();
    Generator g = Tensors.generator(0);
    for (String line : Files.readAllLines(DIR.resolve("inception_keys.txt"))) {
      String[] f = line.trim().split(" ");
      long[] shape = new long[f.length - 4];
      for (int i = 0; i < shape.length; i++) shape[i] = Long.parseLong(f[1 + i]);
      double scale = Double.parseDouble(f[f.length - 3]);
      double offset = Double.parseDouble(f[f.length - 2]);
      Tensor t = Tensors.randn(g, shape);
      if (f[f.length - 1].equals("1")) t = t.abs();
      out.put(f[0], t.mul(new Scalar(scale)).add(new Scalar(offset)));
    }
    return out;
  }

  @Test
  void featuresAndLogitsEqualPytorchFid() {
    Map<String, Npz.Array> fx = Npz.read(DIR.resolve("inception.npz"));
    double[] images = fx.get("images").values();
    long[] padded = fx.get("images").shape(); // [2, 3, 120, 97]
    double[] sizes = fx.get("sizes").values();
    try (PointerScope s = new PointerScope();
        NoGradGuard ng = new NoGradGuard()) {
      for (int i = 0; i < 2; i++) {
        Tensor all =
            Tensors.fromDoubles(images, padded)
                .to(org.bytedeco.pytorch.global.torch.ScalarType.Float);
        long h = (long) sizes[2 * i];
        long w = (long) sizes[2 * i + 1];
        Tensor image =
            all.narrow(0, i, 1).narrow(2, 0, h).narrow(3, 0, w).contiguous(); // [1, 3, h, w]
        Tensor pool = model.features(image); // [1, 2048]
        Tensor logits = model.logits(pool); // [1, 1008]
        assertClose(row(fx.get("pool"), i), Tensors.toFloats(pool), "pool " + i);
        assertClose(row(fx.get("logits"), i), Tensors.toFloats(logits), "logits " + i);
      }
    }
  }

  @Test
  void loadingIsStrict() throws Exception {
    Map<String, Tensor> weights = randomWeights();
    weights.remove("Mixed_6b.branch7x7_2.conv.weight");
    weights.put("AuxLogits.fc.weight", weights.get("fc.weight"));
    FidInceptionV3 other = new FidInceptionV3();
    var e = assertThrows(StateDictException.class, () -> other.load(weights));
    assertTrue(e.getMessage().contains("Mixed_6b.branch7x7_2.conv.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("AuxLogits.fc.weight"), e.getMessage());
    other.clear();
  }

  @Test
  void declaresThePtInceptionKeys() throws Exception {
    List<String> keys =
        Files.readAllLines(DIR.resolve("inception_keys.txt")).stream()
            .map(l -> l.split(" ")[0])
            .toList();
    assertEquals(
        keys.stream().sorted().toList(),
        model.namedParameters().keySet().stream().sorted().toList());
    assertArrayEquals(
        new long[] {128, 128, 1, 7},
        model.namedParameters().get("Mixed_6b.branch7x7_2.conv.weight").shape());
  }

  static float[] row(Npz.Array a, int i) {
    int width = (int) a.shape()[1];
    float[] out = new float[width];
    for (int j = 0; j < width; j++) out[j] = (float) a.values()[i * width + j];
    return out;
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    double max = 0;
    for (int j = 0; j < expected.length; j++)
      max = Math.max(max, Math.abs(expected[j] - actual[j]));
    System.out.println(
        what + ": max |diff| " + max + " over " + Arrays.toString(Arrays.copyOf(expected, 3)));
    assertTrue(max < 1e-4, what + ": max |diff| " + max);
  }
}
