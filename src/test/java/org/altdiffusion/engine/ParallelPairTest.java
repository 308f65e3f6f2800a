package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ParallelPairTest {
  @BeforeAll
  static void init() {
    Torch.init(
        new ThreadSettings(2, 1)); // two workers of one thread each, even on a one-core machine
  }

  @Test
  void workersUseHalfTheThreadsAndLeaveTheGlobalCount() throws Exception {
    assertEquals(1, ParallelPair.threadsPerWorker());
    assertEquals(1, ParallelPair.onWorker(torch::get_num_threads));
    assertEquals(2, torch.get_num_threads(), "the caller keeps its pool");
    int[] seen = new int[1];
    Thread fresh = new Thread(() -> seen[0] = torch.get_num_threads());
    fresh.start();
    fresh.join();
    assertEquals(2, seen[0], "a thread started later gets the process's count");
  }

  @Test
  void resultsAreTheCallersAndFreedWithItsScope() {
    Tensor[] out;
    try (PointerScope scope = new PointerScope()) {
      Tensor x = Tensors.fromFloats(new float[] {1, 2, 3}, 3);
      out = ParallelPair.run(() -> x.mul(Tensors.scalar(2)), () -> x.add(Tensors.scalar(1)));
      assertArrayEquals(new float[] {2, 4, 6}, Tensors.toFloats(out[0]));
      assertArrayEquals(new float[] {2, 3, 4}, Tensors.toFloats(out[1]));
    }
    assertTrue(out[0].isNull() && out[1].isNull(), "freed with the caller's scope");
  }

  @Test
  void workersRunInTheCallersGradMode() {
    boolean[] seen = new boolean[2];
    try (PointerScope scope = new PointerScope()) {
      Tensor x = Tensors.fromFloats(new float[] {1}, 1);
      try (NoGradGuard off = new NoGradGuard()) {
        ParallelPair.run(
            () -> {
              seen[0] = GradMode.is_enabled();
              return x;
            },
            () -> x);
      }
      ParallelPair.run(
          () -> {
            seen[1] = GradMode.is_enabled();
            return x;
          },
          () -> x);
    }
    assertFalse(seen[0]);
    assertTrue(seen[1]);
  }

  @Test
  void aFailureReachesTheCallerAfterBothFinished() {
    boolean[] secondDone = new boolean[1];
    try (PointerScope scope = new PointerScope()) {
      Tensor x = Tensors.fromFloats(new float[] {1, 2}, 2);
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () ->
                  ParallelPair.run(
                      () -> {
                        throw new IllegalStateException("first failed");
                      },
                      () -> {
                        sleep(50);
                        secondDone[0] = true;
                        return x.mul(x);
                      }));
      assertEquals("first failed", e.getMessage());
      assertTrue(secondDone[0], "the caller waited for the other worker");
    }
  }

  @Test
  void javaCppPhysicalMemoryCapIsOff() {
    assertEquals(0, Pointer.maxPhysicalBytes(), "set by Torch before JavaCPP loads");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
