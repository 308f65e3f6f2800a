package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A1111's fill, overlay and "only masked" paste-back against tools/reference's PIL fixtures. */
class MasksA1111Test {
  private static JsonNode cases;

  @BeforeAll
  static void load() throws IOException {
    cases = new ObjectMapper().readTree(ImageFixtures.path("image/a1111_inpaint.json").toFile());
  }

  private static BufferedImage rgb(JsonNode c, String field, int w, int h) {
    return ImageFixtures.image(ImageFixtures.u8(c.get(field)), w, h, 3);
  }

  private static int[] rgbBytes(BufferedImage img) {
    int w = img.getWidth();
    int[] argb = img.getRGB(0, 0, w, img.getHeight(), null, 0, w);
    int[] out = new int[argb.length * 3];
    for (int i = 0; i < argb.length; i++) {
      out[3 * i] = (argb[i] >> 16) & 255;
      out[3 * i + 1] = (argb[i] >> 8) & 255;
      out[3 * i + 2] = argb[i] & 255;
    }
    return out;
  }

  @Test
  void fillIsA1111sMaskingFillExactly() {
    assertEquals(5, cases.get("fill").size());
    for (JsonNode c : cases.get("fill")) {
      int w = c.get("w").intValue();
      int h = c.get("h").intValue();
      GrayImage mask = new GrayImage(w, h, ImageFixtures.u8(c.get("mask")));
      BufferedImage out = Masks.fill(rgb(c, "image", w, h), mask);
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), rgbBytes(out)),
          w + "x" + h);
    }
  }

  @Test
  void overlayIsA1111sApplyOverlayExactly() {
    assertEquals(2, cases.get("overlay").size());
    for (JsonNode c : cases.get("overlay")) {
      int w = c.get("w").intValue();
      int h = c.get("h").intValue();
      GrayImage mask = new GrayImage(w, h, ImageFixtures.u8(c.get("mask")));
      BufferedImage out = Masks.overlay(rgb(c, "original", w, h), rgb(c, "generated", w, h), mask);
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), rgbBytes(out)),
          w + "x" + h);
    }
  }

  @Test
  void onlyMaskedPastesBackAtTheOriginalsSizeAsA1111() {
    assertEquals(3, cases.get("paste").size());
    for (JsonNode c : cases.get("paste")) {
      int w = c.get("w").intValue();
      int h = c.get("h").intValue();
      int width = c.get("width").intValue();
      int height = c.get("height").intValue();
      GrayImage mask = new GrayImage(w, h, ImageFixtures.u8(c.get("mask")));
      int[] crop = Masks.cropRegion(mask, width, height, c.get("padding").intValue());
      int[] expectedCrop = new int[4];
      for (int i = 0; i < 4; i++) expectedCrop[i] = c.get("crop").get(i).intValue();
      assertArrayEquals(expectedCrop, crop, "crop region");
      BufferedImage out =
          Masks.pasteBackA1111(
              rgb(c, "original", w, h), mask, rgb(c, "generated", width, height), crop);
      assertEquals(w, out.getWidth());
      assertEquals(h, out.getHeight());
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), rgbBytes(out)),
          w + "x" + h + " from " + width + "x" + height);
    }
  }

  @Test
  void fillKeepsUnmaskedColoursAndFillsAWhollyMaskedPictureWithBlack() {
    BufferedImage img = new BufferedImage(6, 4, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 4; y++) for (int x = 0; x < 6; x++) img.setRGB(x, y, 0x20a0f0);
    int[] half = new int[24];
    for (int i = 0; i < 24; i++) half[i] = i % 6 >= 3 ? 255 : 0;
    BufferedImage filled = Masks.fill(img, new GrayImage(6, 4, half));
    // unmasked pixels keep their colour up to PIL's rounding in the repeated composites (1 level)
    for (int y = 0; y < 4; y++)
      for (int x = 0; x < 3; x++)
        for (int shift = 0; shift <= 16; shift += 8)
          assertEquals(
              (0x20a0f0 >> shift) & 255, (filled.getRGB(x, y) >> shift) & 255, 1, x + "," + y);
    int[] white = new int[24];
    java.util.Arrays.fill(white, 255);
    assertEquals(0, Masks.fill(img, new GrayImage(6, 4, white)).getRGB(0, 0) & 0xffffff);
    assertEquals(
        "fill needs one size: picture 6x4, mask 2x2, expected 6x4",
        assertThrows(
                IllegalArgumentException.class,
                () -> Masks.fill(img, new GrayImage(2, 2, new int[4])))
            .getMessage());
  }
}
