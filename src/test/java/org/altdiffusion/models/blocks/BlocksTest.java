package org.altdiffusion.models.blocks;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.Fixtures;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BlocksTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void sinusoidalTimestepFeaturesMatchDiffusers() {
    try (SafeTensors.Reader r =
        SafeTensors.open(Fixtures.dir("blocks").resolve("timestep_embedding.safetensors"))) {
      Scopes.run(
          () -> {
            Tensor t = r.load("timesteps");
            record Case(int dim, boolean flip, double shift, String key) {}
            for (Case c :
                List.of(
                    new Case(320, true, 0, "emb.320.1.0"),
                    new Case(7, false, 1, "emb.7.0.1"),
                    new Case(64, false, 0.5, "emb.64.0.0.5"))) {
              Tensor emb = TimestepEmbedding.sinusoidal(t, c.dim(), c.flip(), c.shift());
              Tensor expected = r.load(c.key());
              // Same ops as diffusers, but the two libtorch builds' float32 exp differs by up to
              // one ulp
              // (6e-8) on some frequencies; times t = 999 that moves sin/cos arguments by ~6e-5.
              assertTrue(Fixtures.report("timestep " + c.key(), emb, expected) < 1.5e-4, c.key());
              // For t <= 1 that effect vanishes: rows 0 and 1 agree to float32 rounding.
              assertTrue(
                  Tensors.maxAbsDiff(emb.narrow(0, 0, 2), expected.narrow(0, 0, 2)) < 1e-6,
                  c.key());
              assertEquals(c.dim(), emb.size(1));
            }
          });
    }
  }

  @Test
  void downsampleOutputSizeFollowsThePadding() {
    assertEquals(4, Downsample2D.outputSize(8, 1));
    assertEquals(5, Downsample2D.outputSize(9, 1));
    assertEquals(4, Downsample2D.outputSize(8, 0));
    assertEquals(4, Downsample2D.outputSize(9, 0));
    Scopes.run(
        () -> {
          for (long padding : new long[] {0, 1}) {
            Downsample2D down = new Downsample2D(2, 3, padding);
            down.initialize(Tensors.generator(0));
            for (long size : new long[] {7, 8, 9}) {
              Tensor y = down.forward(Tensors.randn(Tensors.generator(1), 1, 2, size, size + 1));
              assertArrayEquals(
                  new long[] {
                    1,
                    3,
                    Downsample2D.outputSize(size, padding),
                    Downsample2D.outputSize(size + 1, padding)
                  },
                  Tensors.shape(y));
            }
            down.clear();
          }
        });
  }
}
