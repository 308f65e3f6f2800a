package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Transparency flattened as A1111/PIL do, or dropped as PIL's convert("RGB"). */
class AlphaTest {
  @Test
  void flattenMatchesA1111OntoAnyBackground() {
    JsonNode cases = ImageFixtures.section("flatten");
    assertEquals(3, cases.size());
    for (JsonNode c : cases) {
      int w = c.get("w").intValue();
      int h = c.get("h").intValue();
      BufferedImage rgba = ImageFixtures.image(ImageFixtures.u8(c.get("input")), w, h, 4);
      int bg = c.get("background").intValue();
      int[] actual = ImageFixtures.rgb(Alpha.flatten(rgba, bg));
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), actual),
          "background " + Integer.toHexString(bg));
    }
  }

  @Test
  void dropKeepsTheHiddenColour() {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, 0x00123456); // fully transparent
    img.setRGB(1, 0, 0x80FF0000); // half transparent red
    BufferedImage out = Alpha.drop(img);
    assertEquals(BufferedImage.TYPE_INT_RGB, out.getType());
    assertEquals(0x123456, out.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0xFF0000, out.getRGB(1, 0) & 0xFFFFFF);
    BufferedImage flat = Alpha.flatten(img, Alpha.WHITE);
    assertEquals(0xFFFFFF, flat.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0xFF7F7F, flat.getRGB(1, 0) & 0xFFFFFF); // 255*128/255 + 255*127/255
  }

  @Test
  void rgbPicturesPassUnchanged() {
    BufferedImage rgb = new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB);
    assertSame(rgb, Alpha.flatten(rgb, Alpha.WHITE));
    assertSame(rgb, Alpha.drop(rgb));
  }
}
