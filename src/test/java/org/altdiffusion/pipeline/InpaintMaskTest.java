package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.Masks;
import org.junit.jupiter.api.Test;

class InpaintMaskTest {
  static GrayImage square() {
    int[] v = new int[16 * 16];
    for (int y = 4; y < 12; y++) for (int x = 4; x < 12; x++) v[y * 16 + x] = 255;
    return new GrayImage(16, 16, v);
  }

  @Test
  void invertsThenBlurs() {
    GrayImage m = square();
    assertSame(m, InpaintMask.of(m).prepared());
    GrayImage inverted = new InpaintMask(m, 0, true, false, null, null).prepared();
    assertEquals(0, inverted.get(5, 5));
    assertEquals(255, inverted.get(0, 0));
    GrayImage expected = Masks.blur(inverted, 3, 3);
    assertArrayEquals(
        expected.values(), new InpaintMask(m, 3, true, false, null, null).prepared().values());
    int edge = new InpaintMask(m, 3, false, false, null, null).prepared().get(4, 8);
    assertTrue(edge > 0 && edge < 255, "blurred edge " + edge);
  }

  @Test
  void repaintsNothingOnlyWithoutAValueOf128OrMore() {
    assertFalse(InpaintMask.of(square()).repaintsNothing());
    assertTrue(InpaintMask.of(new GrayImage(4, 4, new int[16])).repaintsNothing());
    int[] dim = new int[16];
    java.util.Arrays.fill(dim, 127);
    assertTrue(InpaintMask.of(new GrayImage(4, 4, dim)).repaintsNothing());
    assertTrue(new InpaintMask(square(), 0, true, false, null, null).prepared().get(0, 0) == 255);
    assertFalse(
        new InpaintMask(new GrayImage(4, 4, new int[16]), 0, true, false, null, null)
            .repaintsNothing());
  }

  @Test
  void refusesBadBlurAndNoMask() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new InpaintMask(square(), -1, false, false, null, null));
    assertTrue(e.getMessage().contains("between 0 and 64"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> new InpaintMask(square(), 65, false, false, null, null));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new InpaintMask(null, 0, false, false, null, null));
    assertTrue(e.getMessage().contains("must not be null"), e.getMessage());
  }
}
