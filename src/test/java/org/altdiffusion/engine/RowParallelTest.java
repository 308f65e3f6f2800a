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
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      Tensor weight = Tensors.randn(g, 640, 320);
      Tensor bias = Tensors.randn(g, 640);
      for (long[] shape :
          new long[][] {{2, 300, 320}, {603, 320}, {1, 2, 99, 320}}) { // 603 rows: 3 frames
        Tensor x = Tensors.randn(g, shape);
        Tensor withBias = RowParallel.linear(x, weight, bias);
        Tensor noBias = RowParallel.linear(x, weight, null);
        assertNotNull(withBias, "large enough to split");
        long[] expectedShape = shape.clone();
        expectedShape[shape.length - 1] = 640;
        assertArrayEquals(expectedShape, Tensors.shape(withBias));
        assertEquals(
            0.0, Tensors.maxAbsDiff(withBias, torch.linear(x, weight, new TensorOptional(bias))));
        assertEquals(
            0.0, Tensors.maxAbsDiff(noBias, torch.linear(x, weight, new TensorOptional())));
      }
    }
  }

  @Test
  void notSplitWhenAutogradRecordsOrTheProductIsSmall() {
    Generator g = Tensors.generator(8);
    try (PointerScope scope = new PointerScope()) {
      Tensor weight = Tensors.randn(g, 640, 320).requires_grad_(true);
      Tensor x = Tensors.randn(g, 2, 301, 320);
      assertNull(
          RowParallel.linear(x, weight, null), "grad mode on: out= products record no graph");
      try (NoGradGuard noGrad = new NoGradGuard()) {
        assertNull(RowParallel.linear(Tensors.randn(g, 2, 4, 320), weight, null), "small product");
        assertNull(RowParallel.linear(x.transpose(0, 1), weight, null), "non-contiguous input");
        assertNull(
            RowParallel.linear(Tensors.randn(g, 1, 1009, 320), weight, null),
            "prime row count: no balanced frames");
      }
    }
  }

  @Test
  void framesBalanceTheThreads() {
    assertEquals(2, RowParallel.frames(8192, 2));
    assertEquals(3, RowParallel.frames(603, 2), "3 frames: 2 + 1, three quarters of the ideal");
    assertEquals(1, RowParallel.frames(1009, 2), "prime");
    assertEquals(1, RowParallel.frames(20, 2), "too few rows per frame");
    assertEquals(4, RowParallel.frames(4096, 4));
    assertEquals(
        7,
        RowParallel.frames(315, 4),
        "5 frames over 4 threads would keep them 5/8 busy; 7 frames 7/8");
  }
}
