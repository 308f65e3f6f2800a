package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeedsTest {
  @Test
  void minusOneIsRandomWithinA1111sRange() {
    assertNull(Seeds.fromUser(-1));
    assertEquals(42L, Seeds.fromUser(42));
    for (int i = 0; i < 200; i++) {
      long s = Seeds.resolve(null);
      assertTrue(s >= 0 && s < 4_294_967_294L, "random seed " + s);
    }
    assertEquals(7L, Seeds.resolve(7L));
  }

  @Test
  void imageIOfAGenerationIsSeedPlusI() {
    assertEquals(12L, Seeds.ofImage(10, 2));
  }

  @Test
  void outOfRangeSeedsAreNamed() {
    assertTrue(Seeds.check(null).isEmpty());
    assertTrue(Seeds.check(Seeds.MAX).isEmpty());
    assertTrue(Seeds.check(-5L).orElseThrow().contains("-5"));
    assertTrue(Seeds.check(Seeds.MAX + 1).orElseThrow().contains("2^48-1"));
  }
}
