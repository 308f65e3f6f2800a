package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * numpy's SeedSequence and torchsde 0.2.6's BrownianTree against the values recorded by
 * tools/reference/make_sde_fixtures.py: seed words equal, increments within 1e-6.
 */
class BrownianTreeTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/schedulers/sde");
  static JsonNode fixtures;
  static SafeTensors.Reader tensors;

  @BeforeAll
  static void load() throws IOException {
    Torch.init();
    fixtures = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile());
    tensors = SafeTensors.open(DIR.resolve("tensors.safetensors"));
  }

  @AfterAll
  static void close() {
    tensors.close();
  }

  @Test
  void seedSequenceStatesEqualNumpy() {
    int n = 0;
    for (JsonNode c : fixtures.get("seed_sequences")) {
      List<BigInteger> spawn = new ArrayList<>();
      for (JsonNode k : c.get("spawn_key")) spawn.add(k.bigIntegerValue());
      long[] state =
          new SeedSequence(c.get("entropy").bigIntegerValue(), spawn, c.get("pool_size").asInt())
              .generateState(c.get("state").size());
      for (int i = 0; i < state.length; i++)
        assertEquals(c.get("state").get(i).asLong(), state[i], c + ": word " + i);
      n++;
    }
    assertEquals(60, n);
  }

  @Test
  void treeIncrementsEqualTorchsde() {
    double worst = 0;
    int queries = 0;
    JsonNode trees = fixtures.get("trees");
    for (int t = 0; t < trees.size(); t++) {
      JsonNode c = trees.get(t);
      long[] shape = longs(c.get("shape"));
      try (PointerScope scope = new PointerScope()) {
        BrownianTree tree =
            new BrownianTree(
                c.get("t0").asDouble(), c.get("t1").asDouble(), shape, c.get("seed").asLong());
        JsonNode qs = c.get("queries");
        for (int q = 0; q < qs.size(); q++) {
          Tensor w = tree.increment(qs.get(q).get(0).asDouble(), qs.get(q).get(1).asDouble());
          double err = Tensors.maxAbsDiff(tensors.load("tree" + t + "/" + q), w);
          assertTrue(err <= 1e-6, "tree " + t + " query " + q + " " + qs.get(q) + ": " + err);
          worst = Math.max(worst, err);
          queries++;
        }
      }
    }
    System.out.printf("Brownian tree: %d queries, max abs diff %.2e%n", queries, worst);
  }

  @Test
  void noiseSamplerEqualsDiffusersPerPictureTrees() {
    double worst = 0;
    JsonNode samplers = fixtures.get("noise_samplers");
    for (int n = 0; n < samplers.size(); n++) {
      JsonNode c = samplers.get(n);
      try (PointerScope scope = new PointerScope()) {
        BrownianNoise noise =
            new BrownianNoise(
                (float) c.get("sigma_min").asDouble(),
                (float) c.get("sigma_max").asDouble(),
                longs(c.get("shape")),
                longs(c.get("seeds")));
        JsonNode qs = c.get("queries");
        for (int q = 0; q < qs.size(); q++) {
          Tensor w =
              noise.sample(
                  (float) qs.get(q).get(0).asDouble(), (float) qs.get(q).get(1).asDouble());
          double err = Tensors.maxAbsDiff(tensors.load("sampler" + n + "/" + q), w);
          assertTrue(err <= 1e-6, "noise sampler " + n + " query " + q + ": " + err);
          worst = Math.max(worst, err);
        }
      }
    }
    System.out.printf("Brownian noise sampler: max abs diff %.2e%n", worst);
  }

  @Test
  void sameSeedSameIncrementsWhateverTheQueryOrder() {
    try (PointerScope scope = new PointerScope()) {
      BrownianTree a = new BrownianTree(0.03, 14.6, new long[] {2, 3}, 42);
      BrownianTree b = new BrownianTree(0.03, 14.6, new long[] {2, 3}, 42);
      Tensor first = a.increment(1.0, 2.0);
      b.increment(5.0, 9.0);
      b.increment(0.5, 1.5);
      assertEquals(0.0, Tensors.maxAbsDiff(first, b.increment(1.0, 2.0)));
      // additive over adjacent intervals, as a Brownian motion's increments are
      Tensor sum = a.increment(1.0, 1.7).add(a.increment(1.7, 2.0));
      assertTrue(Tensors.maxAbsDiff(first, sum) < 1e-5);
    }
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> new BrownianTree(1.0, 0.5, new long[] {2}, 1));
    assertThrows(
        IllegalArgumentException.class, () -> new BrownianTree(0.0, 1.0, new long[] {2}, -1));
    BrownianTree tree = new BrownianTree(0.0, 1.0, new long[] {2}, 1);
    assertThrows(IllegalArgumentException.class, () -> tree.increment(0.6, 0.2));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SeedSequence(BigInteger.ONE, List.of(), SeedSequence.MIN_POOL_SIZE - 1));
  }

  static long[] longs(JsonNode array) {
    long[] out = new long[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asLong();
    return out;
  }
}
