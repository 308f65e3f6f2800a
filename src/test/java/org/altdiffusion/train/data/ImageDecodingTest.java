package org.altdiffusion.train.data;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import org.altdiffusion.train.TrainingFixtures;
import org.junit.jupiter.api.Test;

/**
 * Broken files are skipped with a reason (the decoding itself: image.ImageDecoderTest). Decoding
 * goes through {@link IndexedImageText#decode}.
 */
class ImageDecodingTest {
  private static int[] rgbOf(String file) throws Exception {
    BufferedImage img =
        IndexedImageText.decode(
            Files.readAllBytes(TrainingFixtures.training("images/" + file)), file);
    assertEquals(BufferedImage.TYPE_INT_RGB, img.getType());
    assertEquals(20, img.getWidth());
    assertEquals(12, img.getHeight());
    int p = img.getRGB(10, 6);
    return new int[] {(p >> 16) & 255, (p >> 8) & 255, p & 255};
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
        assertThrows(SkippedSample.class, () -> IndexedImageText.decode(new byte[0], "empty"))
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
            SkippedSample.class, () -> IndexedImageText.decode(out.toByteArray(), "bomb.png"));
    assertEquals(SkipReason.UNSUPPORTED_IMAGE, s.reason());
    assertTrue(s.getMessage().contains("20000x20000"), s.getMessage());
  }
}
