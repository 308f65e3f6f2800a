package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/** Training's square crop (moved from train.data.ImageDecodingTest). */
class CenterCropTest {
  @Test
  void resizeShorterSideThenCentreCrop() {
    // 40x20: left half black, right half white -> 10x10 centre crop of the 20x10 resize: half and
    // half
    BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 20; y++) for (int x = 20; x < 40; x++) img.setRGB(x, y, 0xFFFFFF);
    float[] px = CenterCrop.pixels(img, 10);
    assertEquals(3 * 10 * 10, px.length);
    assertEquals(-1f, px[0], 1e-6, "left column black");
    assertEquals(1f, px[9], 1e-6, "right column white");
    assertEquals(-1f, px[3], 1e-6);
    assertEquals(1f, px[6], 1e-6);
    // a solid colour stays exact through the filter, in [-1, 1] as v / 127.5 - 1
    BufferedImage solid = new BufferedImage(33, 17, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 17; y++)
      for (int x = 0; x < 33; x++) solid.setRGB(x, y, (51 << 16) | (102 << 8) | 255);
    float[] s = CenterCrop.pixels(solid, 8);
    assertEquals(51 / 127.5f - 1, s[0], 1e-5);
    assertEquals(102 / 127.5f - 1, s[64], 1e-5);
    assertEquals(1f, s[128], 1e-5);
  }
}
