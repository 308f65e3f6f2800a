package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** A1111's img2img resize modes: their geometry, and PIL's pixels exactly. */
class ResizeModeTest {
  static final int RED = 0xFF0000;
  static final int GREEN = 0x00FF00;
  static final int BLUE = 0x0000FF;

  /**
   * Columns [0, w/4) green, [w/4, 3w/4) red, the rest blue; or the same by rows when {@code
   * byRows}.
   */
  static BufferedImage bands(int w, int h, boolean byRows) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int n = byRows ? h : w;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = byRows ? y : x;
        img.setRGB(x, y, i < n / 4 ? GREEN : i < 3 * n / 4 ? RED : BLUE);
      }
    }
    return img;
  }

  static int rgb(BufferedImage img, int x, int y) {
    return img.getRGB(x, y) & 0xFFFFFF;
  }

  @Test
  void justResizeStretches() {
    BufferedImage out = ResizeMode.JUST_RESIZE.fit(bands(64, 32, false), 32, 32);
    assertEquals(32, out.getWidth());
    assertEquals(32, out.getHeight());
    assertEquals(GREEN, rgb(out, 2, 16)); // all three bands are still there, squeezed
    assertEquals(RED, rgb(out, 16, 16));
    assertEquals(BLUE, rgb(out, 29, 16));
  }

  @Test
  void cropAndResizeKeepsTheCentre() {
    // 64x32 into 32x32: no scaling (heights match), the middle 32 columns (all red) are kept
    BufferedImage out = ResizeMode.CROP_AND_RESIZE.fit(bands(64, 32, false), 32, 32);
    for (int x = 0; x < 32; x++) assertEquals(RED, rgb(out, x, 10), "column " + x);
    // 32x64 into 32x32 likewise by rows
    BufferedImage tall = ResizeMode.CROP_AND_RESIZE.fit(bands(32, 64, true), 32, 32);
    for (int y = 0; y < 32; y++) assertEquals(RED, rgb(tall, 10, y), "row " + y);
  }

  @Test
  void resizeAndFillRepeatsTheEdgeRows() {
    // 64x32 into 32x32: scaled to 32x16 at rows 8..23; rows above repeat row 8, rows below row 23
    BufferedImage out = ResizeMode.RESIZE_AND_FILL.fit(bands(64, 32, false), 32, 32);
    for (int x = 0; x < 32; x++) {
      for (int y = 0; y < 8; y++)
        assertEquals(rgb(out, x, 8), rgb(out, x, y), "top band " + x + "," + y);
      for (int y = 24; y < 32; y++)
        assertEquals(rgb(out, x, 23), rgb(out, x, y), "bottom band " + x + "," + y);
    }
    assertEquals(GREEN, rgb(out, 2, 0));
    assertEquals(RED, rgb(out, 16, 31));
    // a tall picture gets side bands
    BufferedImage tall = ResizeMode.RESIZE_AND_FILL.fit(bands(32, 64, true), 32, 32);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 8; x++)
        assertEquals(rgb(tall, 8, y), rgb(tall, x, y), "left band " + x + "," + y);
      for (int x = 24; x < 32; x++)
        assertEquals(rgb(tall, 23, y), rgb(tall, x, y), "right band " + x + "," + y);
    }
  }

  @Test
  void shrinkingAveragesEveryRow() {
    // one-pixel stripes, 8x smaller: every output pixel averages stripes, none is pure black or
    // white (was: shrinksByHalvingSoThatNoRowIsSkipped, when the server scaled with Java2D)
    BufferedImage stripes = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 256; y++)
      for (int x = 0; x < 256; x++) stripes.setRGB(x, y, y % 2 == 0 ? 0xFFFFFF : 0);
    BufferedImage out = ResizeMode.JUST_RESIZE.fit(stripes, 32, 32);
    int grey = (out.getRGB(16, 16) >> 8) & 255;
    assertTrue(grey > 100 && grey < 155, "grey " + grey);
  }

  /** Every mode on RGB and gray pictures, byte for byte as A1111 over PIL (Pillow 9.5.0). */
  @Test
  void matchesAutomatic1111OverPil() {
    JsonNode cases = ImageFixtures.section("resize");
    assertEquals(20, cases.size());
    for (JsonNode c : cases) {
      int w = c.get("w").intValue();
      int h = c.get("h").intValue();
      int tw = c.get("width").intValue();
      int th = c.get("height").intValue();
      int[] in = ImageFixtures.u8(c.get("input"));
      boolean gray = c.get("channels").intValue() == 1;
      for (ResizeMode mode : ResizeMode.values()) {
        int[] expected = ImageFixtures.u8(c.get("expected").get(mode.a1111Index()));
        int[] actual =
            gray
                ? mode.fit(new GrayImage(w, h, in), tw, th).values()
                : ImageFixtures.rgb(mode.fit(ImageFixtures.image(in, w, h, 3), tw, th));
        String what = mode + (gray ? " gray " : " rgb ") + w + "x" + h + " -> " + tw + "x" + th;
        assertNull(ImageFixtures.firstDifference(expected, actual), what);
      }
    }
  }

  @Test
  void a1111NumbersTheModesFromZero() {
    assertEquals(0, ResizeMode.JUST_RESIZE.a1111Index());
    assertEquals(1, ResizeMode.CROP_AND_RESIZE.a1111Index());
    assertEquals(2, ResizeMode.RESIZE_AND_FILL.a1111Index());
  }

  @Test
  void aPictureTooThinForItsTargetKeepsOnePixel() {
    // 1000x1 into 8x8 by crop: A1111 computes a 0-pixel-high picture (and fails); here it is 1
    BufferedImage line = new BufferedImage(1000, 1, BufferedImage.TYPE_INT_RGB);
    BufferedImage out = ResizeMode.RESIZE_AND_FILL.fit(line, 8, 8);
    assertEquals(8, out.getWidth());
    assertEquals(8, out.getHeight());
  }

  @Test
  void refusesAnEmptyTarget() {
    BufferedImage img = bands(8, 8, false);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResizeMode.JUST_RESIZE.fit(img, 0, 8));
    assertEquals("the target size must be positive, got 0x8", e.getMessage());
  }
}
