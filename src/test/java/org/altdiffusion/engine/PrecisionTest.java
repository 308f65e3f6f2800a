package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PrecisionTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void namesAndAliases() {
    assertEquals(Precision.FLOAT32, Precision.parse("float32"));
    assertEquals(Precision.FLOAT32, Precision.parse(" FP32 "));
    assertEquals(Precision.BFLOAT16, Precision.parse("bf16"));
    assertEquals(Precision.FLOAT16, Precision.parse("half"));
    assertEquals(Precision.AUTO, Precision.parse(null));
    assertEquals("bfloat16", Precision.BFLOAT16.toString());
    var e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
    assertTrue(e.getMessage().contains("fp8") && e.getMessage().contains(Precision.ACCEPTED));
  }

  @Test
  void autoIsFloat16OnAGpuAndFloat32ForSmallModelsOnTheCpu() {
    ComputeDevice gpu = new ComputeDevice("cuda", 0); // not checked: resolve only reads the type
    assertEquals(Precision.FLOAT16, Precision.AUTO.resolve(gpu, 64));
    assertEquals(Precision.FLOAT32, Precision.AUTO.resolve(ComputeDevice.CPU, 64));
    Precision sdSized = Precision.AUTO.resolve(ComputeDevice.CPU, 320);
    assertEquals(Precision.cpuHasBf16() ? Precision.BFLOAT16 : Precision.FLOAT32, sdSized);
    assertEquals(Precision.BFLOAT16, Precision.BFLOAT16.resolve(gpu, 64), "explicit stays");
    assertThrows(IllegalStateException.class, Precision.AUTO::scalarType);
  }

  @Test
  void lowestIsFiniteInItsTypeAsTorchFinfoMin() {
    for (torch.ScalarType t :
        new torch.ScalarType[] {
          torch.ScalarType.BFloat16, torch.ScalarType.Half, torch.ScalarType.Float
        }) {
      try (PointerScope s = new PointerScope()) {
        Tensor v =
            torch.full(new long[] {1}, new Scalar(Precision.lowest(t)), new TensorOptions(t));
        assertTrue(v.isfinite().all().item_bool(), t + " lowest is finite");
        assertEquals(Precision.lowest(t), v.item_double(), 0.0, t + " exactly representable");
        Tensor beyond = v.mul(new Scalar(1.01)); // past the lowest: -inf in that type
        assertFalse(beyond.isfinite().all().item_bool(), t + " has nothing lower");
      }
    }
  }

  @Test
  void castsAreNoOpsWhenTheTypeIsThere() {
    try (PointerScope s = new PointerScope()) {
      Tensor f = torch.ones(new long[] {2}, new TensorOptions(torch.ScalarType.Float));
      assertSame(f, Precision.cast(f, torch.ScalarType.Float));
      assertSame(f, Precision.toFloat32(f));
      Tensor b = Precision.cast(f, torch.ScalarType.BFloat16);
      assertEquals(torch.ScalarType.BFloat16.value, b.scalar_type().value);
      assertEquals(torch.ScalarType.Float.value, Precision.toFloat32(b).scalar_type().value);
      Tensor d = torch.ones(new long[] {2}, new TensorOptions(torch.ScalarType.Double));
      assertSame(d, Precision.toFloat32(d), "a widened model's float64 output stays");
      assertNull(Precision.cast(null, torch.ScalarType.Float));
    }
  }

  @Test
  void noiseDrawnInAReducedTypeIsTorchsDrawInThatType() {
    try (PointerScope s = new PointerScope()) {
      long[] shape = {1, 4, 8, 8};
      Tensor f32 = Noise.of(Tensors.generator(5)).randn(shape);
      Tensor bf16 = Noise.of(Tensors.generator(5), torch.ScalarType.BFloat16).randn(shape);
      assertEquals(torch.ScalarType.Float.value, bf16.scalar_type().value, "widened for the loop");
      Tensor direct =
          torch.randn(
              shape,
              new org.bytedeco.pytorch.GeneratorOptional(Tensors.generator(5)),
              new TensorOptions(torch.ScalarType.BFloat16));
      assertTrue(bf16.equal(direct.to(torch.ScalarType.Float)), "torch's bfloat16 numbers");
      // torch's float32 kernel fills 16 values at a time: other numbers than the bfloat16 draw
      assertFalse(f32.to(torch.ScalarType.BFloat16).to(torch.ScalarType.Float).equal(bf16));
    }
  }
}
