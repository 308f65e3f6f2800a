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
    TorchException e =
        assertThrows(
            TorchException.class, () -> TorchErrors.guard("multiplying", () -> a.matmul(b)));
    assertTrue(e.getMessage().startsWith("multiplying: "), e.getMessage());
    assertFalse(e.getMessage().contains("frame #"), e.getMessage());
    assertFalse(e.getMessage().contains("Exception raised from"), e.getMessage());
  }

  @Test
  void keepHandsResultToCaller() {
    Tensor kept;
    try (var outer = new org.bytedeco.javacpp.PointerScope()) {
      kept =
          Scopes.keep(
              () -> torch.ones(new long[] {3}, Tensors.floatOptions()).mul(Tensors.scalar(2)));
      assertArrayEquals(new float[] {2, 2, 2}, Tensors.toFloats(kept));
    }
    assertTrue(kept.isNull(), "freed with the outer scope");
  }

  @Test
  void parallelGuidanceSettingAndItsSizeRule() {
    for (String[] c : new String[][] {{"auto", "AUTO"}, {"true", "ON"}, {" FALSE ", "OFF"}}) {
      System.setProperty("altdiffusion.parallelGuidance", c[0]);
      try {
        assertEquals(
            ThreadSettings.ParallelGuidance.valueOf(c[1]),
            ThreadSettings.fromEnvironment().parallelGuidance());
      } finally {
        System.clearProperty("altdiffusion.parallelGuidance");
      }
    }
    System.setProperty("altdiffusion.parallelGuidance", "yes");
    try {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, ThreadSettings::fromEnvironment);
      assertTrue(
          e.getMessage()
              .contains("altdiffusion.parallelGuidance must be auto, true or false, got 'yes'"),
          e.getMessage());
    } finally {
      System.clearProperty("altdiffusion.parallelGuidance");
    }
    var auto = ThreadSettings.ParallelGuidance.AUTO;
    assertTrue(auto.sideBySide(32 * 16 * 16, 2), "the built-in model's passes");
    assertFalse(auto.sideBySide(320 * 64 * 64, 2), "SD at 512x512 stays batched");
    assertFalse(
        ThreadSettings.ParallelGuidance.ON.sideBySide(8192, 1), "one thread: no second core");
    assertTrue(ThreadSettings.ParallelGuidance.ON.sideBySide(320 * 64 * 64, 2));
    assertFalse(ThreadSettings.ParallelGuidance.OFF.sideBySide(8192, 2));
    assertEquals(auto, new ThreadSettings(2, 1).parallelGuidance());
  }

  @Test
  void threadSettingsRejectNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new ThreadSettings(0, 1));
    System.setProperty("altdiffusion.blasThreads", "two");
    try {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, ThreadSettings::fromEnvironment);
      assertTrue(e.getMessage().contains("altdiffusion.blasThreads"));
    } finally {
      System.clearProperty("altdiffusion.blasThreads");
    }
  }
}
