package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.altdiffusion.io.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Variation seeds against tools/reference/make_variation_noise_fixtures.py (A1111's slerp and
 * create_random_tensors in torch).
 */
class VariationNoiseTest {
  private static final Path FIXTURE =
      Path.of("src/test/resources/fixtures/variation/noise.safetensors");

  private static Noise variation(double strength) {
    return Noise.variation(Noise.seeded(7, 2), Noise.seeded(100, 2), strength);
  }

  @Test
  void firstDrawIsA1111sSlerpOfSeedAndSubseedNoise() {
    try (var ref = SafeTensors.open(FIXTURE)) {
      for (String s : new String[] {"0.25", "0.8", "1"}) {
        Noise noise = variation(Double.parseDouble(s));
        Tensor ours = noise.randn(2, 4, 8, 6);
        double diff = Tensors.maxAbsDiff(ours, ref.load("s" + s));
        assertTrue(diff < 1e-5, "strength " + s + ": max |ours - A1111| = " + diff);
        // an ancestral sampler's later draws come from the image seeds' generators, unchanged
        assertTrue(Tensors.maxAbsDiff(noise.randn(2, 4, 8, 6), ref.load("next")) < 1e-7, s);
      }
      // strength 0.25 is neither the seed's noise nor the variation seed's
      Tensor plain = Noise.perSample(Noise.seeded(7, 2)).randn(2, 4, 8, 6);
      assertTrue(Tensors.maxAbsDiff(plain, ref.load("s0.25")) > 0.1);
    }
  }

  @Test
  void nearlyEqualNoisesTakeA1111sLinearBranch() {
    Tensor x = Tensors.randn(Tensors.generator(3), 4, 8, 6);
    // slerp proper would divide 0 by 0 here; A1111's fallback is low * val + high * (1 - val)
    Tensor mixed = Noise.slerp(0.3, x, x);
    assertTrue(Tensors.maxAbsDiff(mixed, x) < 1e-6);
    Tensor y = x.mul(Tensors.scalar(2.0)); // same direction: still the linear branch
    Tensor expected = x.mul(Tensors.scalar(0.3)).add(y.mul(Tensors.scalar(0.7)));
    assertTrue(Tensors.maxAbsDiff(Noise.slerp(0.3, x, y), expected) < 1e-6);
  }

  @Test
  void refusesMismatchedGeneratorsAndStrengthsOutOfRange() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Noise.variation(Noise.seeded(1, 2), Noise.seeded(2, 1), 0.5));
    assertThrows(
        IllegalArgumentException.class,
        () -> Noise.variation(Noise.seeded(1, 1), Noise.seeded(2, 1), 1.5));
  }
}
