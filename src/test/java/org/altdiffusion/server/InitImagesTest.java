package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import org.altdiffusion.pipeline.Images;
import org.altdiffusion.server.Img2ImgRequest.ResizeMode;
import org.junit.jupiter.api.Test;

/** Fitting init images to the request's size, and the size taken from them. */
class InitImagesTest {
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
    BufferedImage out = InitImages.fit(bands(64, 32, false), 32, 32, ResizeMode.JUST_RESIZE);
    assertEquals(32, out.getWidth());
    assertEquals(32, out.getHeight());
    assertEquals(GREEN, rgb(out, 2, 16)); // all three bands are still there, squeezed
    assertEquals(RED, rgb(out, 16, 16));
    assertEquals(BLUE, rgb(out, 29, 16));
  }

  @Test
  void cropAndResizeKeepsTheCentre() {
    // 64x32 into 32x32: no scaling (heights match), the middle 32 columns (all red) are kept
    BufferedImage out = InitImages.fit(bands(64, 32, false), 32, 32, ResizeMode.CROP_AND_RESIZE);
    for (int x = 0; x < 32; x++) assertEquals(RED, rgb(out, x, 10), "column " + x);
    // 32x64 into 32x32 likewise by rows
    BufferedImage tall = InitImages.fit(bands(32, 64, true), 32, 32, ResizeMode.CROP_AND_RESIZE);
    for (int y = 0; y < 32; y++) assertEquals(RED, rgb(tall, 10, y), "row " + y);
  }

  @Test
  void resizeAndFillRepeatsTheEdgeRows() {
    // 64x32 into 32x32: scaled to 32x16 at rows 8..23; rows above repeat row 8, rows below row 23
    BufferedImage out = InitImages.fit(bands(64, 32, false), 32, 32, ResizeMode.RESIZE_AND_FILL);
    for (int x = 0; x < 32; x++) {
      for (int y = 0; y < 8; y++)
        assertEquals(rgb(out, x, 8), rgb(out, x, y), "top band " + x + "," + y);
      for (int y = 24; y < 32; y++)
        assertEquals(rgb(out, x, 23), rgb(out, x, y), "bottom band " + x + "," + y);
    }
    assertEquals(GREEN, rgb(out, 2, 0));
    assertEquals(RED, rgb(out, 16, 31));
    // a tall picture gets side bands
    BufferedImage tall = InitImages.fit(bands(32, 64, true), 32, 32, ResizeMode.RESIZE_AND_FILL);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 8; x++)
        assertEquals(rgb(tall, 8, y), rgb(tall, x, y), "left band " + x + "," + y);
      for (int x = 24; x < 32; x++)
        assertEquals(rgb(tall, 23, y), rgb(tall, x, y), "right band " + x + "," + y);
    }
  }

  @Test
  void shrinksByHalvingSoThatNoRowIsSkipped() {
    // one-pixel stripes, 8x smaller: every output pixel averages stripes, none is pure black or
    // white
    BufferedImage stripes = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 256; y++)
      for (int x = 0; x < 256; x++) stripes.setRGB(x, y, y % 2 == 0 ? 0xFFFFFF : 0);
    BufferedImage out = InitImages.scale(stripes, 32, 32);
    int grey = (out.getRGB(16, 16) >> 8) & 255;
    assertTrue(grey > 100 && grey < 155, "grey " + grey);
  }

  @Test
  void transparencyBecomesWhite() {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(1, 1, 0xFF0000FF);
    byte[] png = Images.png(img, null);
    BufferedImage out =
        InitImages.prepare(new ImageInput.Upload(png, "png", 8, 8), 8, 8, ResizeMode.JUST_RESIZE);
    assertEquals(0xFFFFFF, rgb(out, 0, 0));
    assertEquals(BLUE, rgb(out, 1, 1));
  }

  @Test
  void sizeComesFromTheInitImageWhenNotGiven() {
    assertArrayEquals(
        new int[] {1000, 744},
        Img2ImgRequest.size(1000, 750, 0, 0, 2048)); // rounded down to multiples of 8
    assertArrayEquals(
        new int[] {2048, 1024},
        Img2ImgRequest.size(5000, 2500, 0, 0, 2048)); // scaled to fit the largest side
    assertArrayEquals(new int[] {8, 8}, Img2ImgRequest.size(1, 1, 0, 0, 2048));
    assertArrayEquals(
        new int[] {320, 240}, Img2ImgRequest.size(640, 480, 320, 0, 2048)); // aspect ratio kept
    assertArrayEquals(
        new int[] {424, 320},
        Img2ImgRequest.size(1000, 750, 0, 320, 2048)); // 426.7 -> nearest multiple of 8
    assertArrayEquals(
        new int[] {64, 512},
        Img2ImgRequest.size(100, 5000, 64, 0, 512)); // capped at the largest side
    assertArrayEquals(
        new int[] {96, 64}, Img2ImgRequest.size(10, 10, 96, 64, 2048)); // both given: as asked
  }
}
