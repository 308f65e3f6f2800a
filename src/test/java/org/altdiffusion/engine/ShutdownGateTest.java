package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ShutdownGateTest {

  @Test
  void stopWaitsForTheRunningSectionAndStepsThenThrow() throws Exception {
    ShutdownGate gate = new ShutdownGate();
    ShutdownGate.Section section = gate.enter();
    gate.check("before stopping"); // no effect while running
    Thread worker =
        new Thread(
            () -> {
              try {
                Thread.sleep(200);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              section.close();
            });
    worker.start();
    long t0 = System.nanoTime();
    assertTrue(gate.stopAndAwait(Duration.ofSeconds(30)));
    assertTrue((System.nanoTime() - t0) / 1e6 >= 150, "returned before the section closed");
    assertEquals(0, gate.active());
    var e = assertThrows(ShutdownRequestedException.class, () -> gate.check("training at step 3"));
    assertTrue(e.getMessage().contains("training at step 3"), e.getMessage());
    worker.join();
  }

  @Test
  void stopGivesUpAfterItsLimitAndClosingTwiceCountsOnce() {
    ShutdownGate gate = new ShutdownGate();
    ShutdownGate.Section a = gate.enter();
    ShutdownGate.Section b = gate.enter();
    a.close();
    a.close();
    assertEquals(1, gate.active());
    assertFalse(gate.stopAndAwait(Duration.ofMillis(50)));
    assertTrue(gate.stopping());
    b.close();
    assertTrue(gate.stopAndAwait(Duration.ofMillis(50)));
  }
}
