package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EngineTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void generatorMatchesPythonTorch() {
    // torch.Generator().manual_seed(0); torch.randn(4) in Python
    float[] v = Tensors.toFloats(Tensors.randn(Tensors.generator(0), 4));
    assertArrayEquals(new float[] {1.5409961f, -0.2934289f, -2.1787894f, 0.56843126f}, v, 1e-7f);
  }

  @Test
  void nativeErrorsBecomeOneLine() {
    Tensor a = Tensors.fromFloats(new float[6], 2, 3);
    Tensor b = Tensors.fromFloats(new float[6], 2, 3);
    TorchException e = assertThrows(TorchException.class, () -> TorchErrors.guard("multiplying", () -> a.matmul(b)));
    assertTrue(e.getMessage().startsWith("multiplying: "), e.getMessage());
    assertFalse(e.getMessage().contains("frame #"), e.getMessage());
    assertFalse(e.getMessage().contains("Exception raised from"), e.getMessage());
  }

  @Test
  void keepHandsResultToCaller() {
    Tensor kept;
    try (var outer = new org.bytedeco.javacpp.PointerScope()) {
      kept = Scopes.keep(() -> torch.ones(new long[] {3}, Tensors.floatOptions()).mul(Tensors.scalar(2)));
      assertArrayEquals(new float[] {2, 2, 2}, Tensors.toFloats(kept));
    }
    assertTrue(kept.isNull(), "freed with the outer scope");
  }

  @Test
  void threadSettingsRejectNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new ThreadSettings(0, 1));
    System.setProperty("altdiffusion.blasThreads", "two");
    try {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ThreadSettings::fromEnvironment);
      assertTrue(e.getMessage().contains("altdiffusion.blasThreads"));
    } finally {
      System.clearProperty("altdiffusion.blasThreads");
    }
  }
}
