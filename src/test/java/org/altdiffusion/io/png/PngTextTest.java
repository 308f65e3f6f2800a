package org.altdiffusion.io.png;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PngTextTest {

  static byte[] tinyPng() throws Exception {
    BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void latinTextGoesInTextChunkAndOtherTextInItxt() throws Exception {
    byte[] latin = PngText.withText(tinyPng(), "parameters", "a cat, café");
    byte[] cjk = PngText.withText(tinyPng(), "parameters", "一只猫");
    String l = new String(latin, StandardCharsets.ISO_8859_1);
    String c = new String(cjk, StandardCharsets.ISO_8859_1);
    assertTrue(l.contains("tEXtparameters"));
    assertTrue(c.contains("iTXtparameters"));
    assertEquals("a cat, café", PngText.read(latin).get("parameters"));
    assertEquals("一只猫", PngText.read(cjk).get("parameters"));
    assertNotNull(ImageIO.read(new java.io.ByteArrayInputStream(cjk)), "still a valid PNG");
  }

  @Test
  void readsCompressedText() throws Exception {
    byte[] png = tinyPng();
    byte[] chunk = PngText.compressedTextChunk("parameters", "zipped");
    int iend = png.length - 12;
    byte[] out = new byte[png.length + chunk.length];
    System.arraycopy(png, 0, out, 0, iend);
    System.arraycopy(chunk, 0, out, iend, chunk.length);
    System.arraycopy(png, iend, out, iend + chunk.length, 12);
    assertEquals("zipped", PngText.read(out).get("parameters"));
  }

  @Test
  void corruptFilesGiveClearErrors() throws Exception {
    byte[] png = PngText.withText(tinyPng(), "parameters", "x");
    assertThrows(PngFormatException.class, () -> PngText.read("GIF89a....".getBytes()));
    assertThrows(PngFormatException.class, () -> PngText.read(Arrays.copyOf(png, png.length - 20)));
    byte[] flipped = png.clone();
    flipped[png.length - 20] ^= 1;
    assertThrows(PngFormatException.class, () -> PngText.read(flipped));
  }
}
