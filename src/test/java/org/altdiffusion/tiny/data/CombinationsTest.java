package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CombinationsTest {

  @Test
  void holdsOutFortyEightOfFourHundred() {
    Combinations c = Combinations.of(0);
    assertEquals(400, Attributes.COUNT);
    assertEquals(48, c.heldOut().size());
    assertEquals(352, c.training().size());
    Set<Attributes> train = new HashSet<>(c.training());
    for (Attributes a : c.heldOut()) {
      assertFalse(train.contains(a));
      assertTrue(c.isHeldOut(a));
    }
    for (Attributes a : c.training()) assertFalse(c.isHeldOut(a));
  }

  @Test
  void everyValuePairAndTripleStaysInTraining() {
    for (long seed : new long[] {0, 1, 42, -7}) {
      Combinations c = Combinations.of(seed);
      for (int mask = 1; mask < 15; mask++) {
        Map<Long, Integer> trainCount = new HashMap<>();
        Map<Long, Integer> heldCount = new HashMap<>();
        for (Attributes a : c.training())
          trainCount.merge(Combinations.groupKey(a, mask), 1, Integer::sum);
        for (Attributes a : c.heldOut())
          heldCount.merge(Combinations.groupKey(a, mask), 1, Integer::sum);
        int size = Combinations.groupSize(mask);
        int groups = Attributes.COUNT / size;
        assertEquals(
            groups,
            trainCount.size(),
            "seed "
                + seed
                + ": some group of attribute subset "
                + mask
                + " has no training combination");
        for (int held : heldCount.values())
          assertTrue(
              held <= Math.max(1, size / 4),
              "seed " + seed + " mask " + mask + ": " + held + " of " + size + " held out");
      }
    }
  }

  @Test
  void deterministicFromTheSeed() {
    assertEquals(Combinations.of(5).heldOut(), Combinations.of(5).heldOut());
    assertNotEquals(Combinations.of(5).heldOut(), Combinations.of(6).heldOut());
  }

  @Test
  void attributeIndexIsThePositionInAll() {
    int i = 0;
    for (Attributes a : Attributes.all()) assertEquals(i++, a.index());
  }

  @Test
  void parsesAttributeNamesWithHelpfulErrors() {
    assertEquals(Position.CENTRE, Position.parse("center"));
    assertEquals(Colour.PINK, Colour.parse(" Pink "));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Shape.parse("hexagon"));
    assertEquals(
        "unknown shape 'hexagon'; accepted: circle, square, triangle, star, heart", e.getMessage());
  }
}
