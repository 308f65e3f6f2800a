package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RowParallelTest {
  @BeforeAll
  static void twoThreads() {
    Torch.init(new ThreadSettings(2, 1)); // split in two even on a one-core machine
  }

  @AfterAll
  static void restore() {
    Torch.init();
  }

  @Test
  void splitProductIsBitwiseTheSingleCall() {
    Generator g = Tensors.generator(7);
    try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
      Tensor weight = Tensors.randn(g, 640, 320);
      Tensor bias = Tensors.randn(g, 640);
      for (long[] shape : new long[][] {{2, 301, 320}, {603, 320}, {1, 2, 99, 320}}) { // odd row counts: uneven slices
        Tensor x = Tensors.randn(g, shape);
        Tensor withBias = RowParallel.linear(x, weight, bias);
        Tensor noBias = RowParallel.linear(x, weight, null);
        assertNotNull(withBias, "large enough to split");
        long[] expectedShape = shape.clone();
        expectedShape[shape.length - 1] = 640;
        assertArrayEquals(expectedShape, Tensors.shape(withBias));
        assertEquals(0.0, Tensors.maxAbsDiff(withBias, torch.linear(x, weight, new TensorOptional(bias))));
        assertEquals(0.0, Tensors.maxAbsDiff(noBias, torch.linear(x, weight, new TensorOptional())));
      }
    }
  }

  @Test
  void notSplitWhenAutogradRecordsOrTheProductIsSmall() {
    Generator g = Tensors.generator(8);
    try (PointerScope scope = new PointerScope()) {
      Tensor weight = Tensors.randn(g, 640, 320).requires_grad_(true);
      Tensor x = Tensors.randn(g, 2, 301, 320);
      assertNull(RowParallel.linear(x, weight, null), "grad mode on: out= products record no graph");
      try (NoGradGuard noGrad = new NoGradGuard()) {
        assertNull(RowParallel.linear(Tensors.randn(g, 2, 4, 320), weight, null), "small product");
        assertNull(RowParallel.linear(x.transpose(0, 1), weight, null), "non-contiguous input");
      }
    }
  }
}
