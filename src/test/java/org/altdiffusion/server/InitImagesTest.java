package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import org.altdiffusion.image.Png;
import org.altdiffusion.image.ResizeMode;
import org.junit.jupiter.api.Test;

/**
 * Init images of the server: flattened and fitted (the fitting itself: image.ResizeModeTest), and
 * the size taken from them.
 */
class InitImagesTest {
  static final int BLUE = 0x0000FF;

  static int rgb(BufferedImage img, int x, int y) {
    return img.getRGB(x, y) & 0xFFFFFF;
  }

  @Test
  void transparencyBecomesWhite() {
    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(1, 1, 0xFF0000FF);
    byte[] png = Png.encode(img, null);
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
