package org.altdiffusion.train.data;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import org.altdiffusion.train.TrainingFixtures;
import org.junit.jupiter.api.Test;

/** Odd-but-valid image modes become the expected RGB; broken files are skipped with a reason. */
class ImageDecodingTest {
  private static int[] rgbOf(String file) throws Exception {
    BufferedImage img =
        ImageDecoding.decode(Files.readAllBytes(TrainingFixtures.training("images/" + file)), file);
    assertEquals(BufferedImage.TYPE_INT_RGB, img.getType());
    assertEquals(20, img.getWidth());
    assertEquals(12, img.getHeight());
    int p = img.getRGB(10, 6);
    return new int[] {(p >> 16) & 255, (p >> 8) & 255, p & 255};
  }

  private static void assertColour(int[] expected, int[] actual, int tolerance, String what) {
    for (int i = 0; i < 3; i++) {
      assertTrue(
          Math.abs(expected[i] - actual[i]) <= tolerance,
          what
              + ": expected "
              + java.util.Arrays.toString(expected)
              + ", got "
              + java.util.Arrays.toString(actual));
    }
  }

  @Test
  void validModesBecomeRgb() throws Exception {
    assertColour(new int[] {200, 30, 60}, rgbOf("rgb.png"), 0, "8-bit RGB PNG");
    assertColour(new int[] {200, 30, 60}, rgbOf("rgb.jpg"), 3, "RGB JPEG");
    assertColour(new int[] {77, 77, 77}, rgbOf("gray.png"), 0, "8-bit gray, no gamma change");
    assertColour(new int[] {128, 128, 128}, rgbOf("gray16.png"), 0, "16-bit gray rescaled");
    assertColour(new int[] {255, 127, 127}, rgbOf("rgba.png"), 1, "RGBA over white");
    assertColour(new int[] {191, 191, 191}, rgbOf("la.png"), 1, "gray + alpha over white");
    assertColour(new int[] {10, 200, 30}, rgbOf("palette.png"), 0, "palette");
    assertColour(new int[] {255, 0, 0}, rgbOf("cmyk.jpg"), 6, "CMYK JPEG (red ink)");
  }

  @Test
  void brokenAndUnsupportedFilesAreSkippedWithAReason() {
    for (String f : new String[] {"truncated.jpg", "garbage.jpg"}) {
      SkippedSample s = assertThrows(SkippedSample.class, () -> rgbOf(f));
      assertEquals(SkipReason.CORRUPT_IMAGE, s.reason(), f);
      assertTrue(s.getMessage().contains(f), s.getMessage());
    }
    SkippedSample webp = assertThrows(SkippedSample.class, () -> rgbOf("green.webp"));
    assertEquals(SkipReason.UNSUPPORTED_IMAGE, webp.reason());
    assertTrue(webp.getMessage().contains("WebP"), webp.getMessage());
    assertEquals(
        SkipReason.CORRUPT_IMAGE,
        assertThrows(SkippedSample.class, () -> ImageDecoding.decode(new byte[0], "empty"))
            .reason());
  }

  /** A PNG whose header claims 20000 x 20000 pixels is refused before any pixel is decoded. */
  @Test
  void hugePicturesAreRefusedFromTheirHeader() throws Exception {
    var out = new java.io.ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    byte[] ihdr =
        java.nio.ByteBuffer.allocate(17)
            .put("IHDR".getBytes())
            .putInt(20000)
            .putInt(20000)
            .put(new byte[] {8, 2, 0, 0, 0})
            .array();
    var crc = new java.util.zip.CRC32();
    crc.update(ihdr);
    out.write(java.nio.ByteBuffer.allocate(4).putInt(13).array());
    out.write(ihdr);
    out.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    SkippedSample s =
        assertThrows(
            SkippedSample.class, () -> ImageDecoding.decode(out.toByteArray(), "bomb.png"));
    assertEquals(SkipReason.UNSUPPORTED_IMAGE, s.reason());
    assertTrue(s.getMessage().contains("20000x20000"), s.getMessage());
  }

  @Test
  void resizeShorterSideThenCentreCrop() {
    // 40x20: left half black, right half white -> 10x10 centre crop of the 20x10 resize: half and
    // half
    BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 20; y++) for (int x = 20; x < 40; x++) img.setRGB(x, y, 0xFFFFFF);
    float[] px = ImageDecoding.pixels(img, 10);
    assertEquals(3 * 10 * 10, px.length);
    assertEquals(-1f, px[0], 1e-6, "left column black");
    assertEquals(1f, px[9], 1e-6, "right column white");
    assertEquals(-1f, px[3], 1e-6);
    assertEquals(1f, px[6], 1e-6);
    // a solid colour stays exact through the filter, in [-1, 1] as v / 127.5 - 1
    BufferedImage solid = new BufferedImage(33, 17, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 17; y++)
      for (int x = 0; x < 33; x++) solid.setRGB(x, y, (51 << 16) | (102 << 8) | 255);
    float[] s = ImageDecoding.pixels(solid, 8);
    assertEquals(51 / 127.5f - 1, s[0], 1e-5);
    assertEquals(102 / 127.5f - 1, s[64], 1e-5);
    assertEquals(1f, s[128], 1e-5);
  }
}
