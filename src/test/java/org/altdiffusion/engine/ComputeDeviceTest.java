package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ComputeDeviceTest {
  @Test
  void parsesWhatTheCliAccepts() {
    Torch.init();
    assertEquals(ComputeDevice.CPU, ComputeDevice.parse("cpu"));
    assertEquals(ComputeDevice.CPU, ComputeDevice.parse(" CPU "));
    if (!ComputeDevice.cudaAvailable()) {
      assertEquals(ComputeDevice.CPU, ComputeDevice.parse("auto"));
      assertEquals(ComputeDevice.CPU, ComputeDevice.parse(null));
      for (String cuda : new String[] {"cuda", "cuda:0", "cuda:3"}) {
        var e = assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse(cuda));
        assertTrue(e.getMessage().contains("CPU build") && e.getMessage().contains("-Pcuda"));
      }
    }
    for (String bad : new String[] {"gpu", "cuda:", "cuda:-1", "cuda:x", "meta", ""}) {
      var e = assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse(bad));
      assertTrue(e.getMessage().contains("accepted: cpu, cuda"), e.getMessage());
    }
    assertEquals("cuda:2", new ComputeDevice("cuda", 2).toString());
  }

  @Test
  void noiseIsDrawnOnTheCpuAndMovedUnchanged() {
    Torch.init();
    try (PointerScope s = new PointerScope()) {
      Tensor cpu = Noise.of(Tensors.generator(5)).randn(2, 3);
      Tensor moved = Noise.of(Tensors.generator(5)).on(ComputeDevice.META).randn(2, 3);
      assertTrue(moved.is_meta());
      assertEquals(ComputeDevice.META, ComputeDevice.of(moved));
      assertEquals(ComputeDevice.CPU, ComputeDevice.of(cpu));
      Tensor like = Noise.of(Tensors.generator(5)).like(moved);
      assertTrue(like.is_meta(), "noise shaped like a tensor lives on its device");
      // what moves is the CPU draw itself: the same seed gives the same numbers back on the CPU
      Tensor back =
          ComputeDevice.CPU.place(Noise.of(Tensors.generator(5)).on(ComputeDevice.CPU).randn(2, 3));
      assertEquals(0.0, Tensors.maxAbsDiff(cpu, back));
    }
  }
}
