package org.altdiffusion.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Npz;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrechetDistanceTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/eval");
  static final Map<String, Npz.Array> FIXTURE = Npz.read(DIR.resolve("frechet.npz"));

  /** Relative 1e-6, absolute for a distance of zero (identical sets: rounding only). */
  static void assertDistance(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-6 * Math.max(Math.abs(expected), 1e-3), what);
  }

  @Test
  void statisticsAndDistanceEqualPytorchFid() {
    for (String c : cases()) {
      GaussianStatistics a = stats(c + "_f1");
      GaussianStatistics b = stats(c + "_f2");
      double expected = FIXTURE.get(c + "_fid").scalar();
      double actual = FrechetDistance.between(a, b);
      System.out.printf(
          "%s: pytorch-fid %.12g, ours %.12g, relative %.2e%n",
          c, expected, actual, Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-3));
      assertDistance(expected, actual, c + " from features");
      if (FIXTURE.containsKey(c + "_sigma1")) {
        assertArrayEquals(FIXTURE.get(c + "_mu1").values(), a.mu(), 1e-12, c);
        assertArrayEquals(FIXTURE.get(c + "_sigma1").values(), a.sigma(), 1e-12, c);
        GaussianStatistics sa = stored(c, "1");
        GaussianStatistics sb = stored(c, "2");
        assertDistance(expected, FrechetDistance.between(sa, sb), c + " from pytorch-fid's stats");
      }
    }
  }

  @Test
  void readsPytorchFidsStatisticsAndWritesThemBack(@TempDir Path tmp) {
    GaussianStatistics s = GaussianStatistics.read(DIR.resolve("stats_compressed.npz"));
    assertEquals(12, s.dim());
    Path file = tmp.resolve("ref.npz");
    s.write(file);
    GaussianStatistics back = GaussianStatistics.read(file);
    assertArrayEquals(s.mu(), back.mu());
    assertArrayEquals(s.sigma(), back.sigma());
    assertEquals(0, FrechetDistance.between(s, back), 1e-9);
  }

  @Test
  void refusesStatisticsOfAnotherDimension() {
    GaussianStatistics twelve = GaussianStatistics.read(DIR.resolve("stats_compressed.npz"));
    GaussianStatistics other = stats("fewsamples_f1"); // 32
    var e =
        assertThrows(IllegalArgumentException.class, () -> FrechetDistance.between(twelve, other));
    assertTrue(e.getMessage().contains("12 and 32"), e.getMessage());
  }

  @Test
  void refusesAnNpzWithoutMuAndSigma(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("wrong.npz");
    Npz.write(file, Map.of("mean", Npz.Array.of(new double[] {1, 2}, 2)));
    var e = assertThrows(CheckpointException.class, () -> GaussianStatistics.read(file));
    assertTrue(e.getMessage().contains("'mu' and 'sigma'"), e.getMessage());
    Path bad = tmp.resolve("shape.npz");
    Npz.write(
        bad,
        new java.util.LinkedHashMap<>(
            Map.of(
                "mu", Npz.Array.of(new double[] {1, 2}, 2),
                "sigma", Npz.Array.of(new double[] {1, 0, 0}, 3))));
    var s = assertThrows(CheckpointException.class, () -> GaussianStatistics.read(bad));
    assertTrue(s.getMessage().contains("[d, d]"), s.getMessage());
    assertTrue(Files.exists(bad));
  }

  static String[] cases() {
    return FIXTURE.get("cases").strings()[0].split(",");
  }

  static GaussianStatistics stats(String key) {
    Npz.Array f = FIXTURE.get(key);
    try (PointerScope s = new PointerScope()) {
      return GaussianStatistics.of(Tensors.fromDoubles(f.values(), f.shape()));
    }
  }

  static GaussianStatistics stored(String c, String i) {
    return new GaussianStatistics(
        FIXTURE.get(c + "_mu" + i).values(), FIXTURE.get(c + "_sigma" + i).values(), 0);
  }
}
