package org.altdiffusion.nn;

import static org.junit.jupiter.api.Assertions.*;

import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InPlaceTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void overwritesOnlyWithoutAutograd() {
    try (PointerScope scope = new PointerScope()) {
      Tensor fresh = Tensors.fromFloats(new float[] {1, 2}, 2);
      Tensor other = Tensors.fromFloats(new float[] {10, 20}, 2);
      Tensor sum = InPlace.add(fresh, other);
      assertArrayEquals(new float[] {1, 2}, Tensors.toFloats(fresh), "grad mode on: a new tensor");
      assertArrayEquals(new float[] {11, 22}, Tensors.toFloats(sum));
      try (NoGradGuard noGrad = new NoGradGuard()) {
        InPlace.mul(fresh, other);
        assertArrayEquals(new float[] {10, 40}, Tensors.toFloats(fresh), "no grad: overwritten");
        InPlace.silu(fresh);
        assertEquals(10 / (1 + Math.exp(-10)), Tensors.toFloats(fresh)[0], 1e-5);
      }
    }
  }
}
