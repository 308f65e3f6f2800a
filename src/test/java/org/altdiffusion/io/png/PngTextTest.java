package org.altdiffusion.io.png;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
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
  void parametersGoAfterTheHeaderBeforeTheImageDataAsA1111WritesThem() throws Exception {
    for (String text : List.of("a cat, café\nSteps: 20, Seed: 1", "一只猫\nSteps: 20")) {
      byte[] png = PngText.withText(bigPng(), "parameters", text);
      List<String> types = PngText.chunkTypes(png);
      assertEquals("IHDR", types.get(0), types.toString());
      int textAt = types.indexOf(text.startsWith("a") ? "tEXt" : "iTXt");
      int firstData = types.indexOf("IDAT");
      assertEquals(1, textAt, "the text chunk directly follows IHDR: " + types);
      assertTrue(firstData > textAt, "the text chunk comes before the image data: " + types);
      assertEquals("IEND", types.get(types.size() - 1), types.toString());
      assertEquals(text, PngText.read(png).get("parameters"));
      assertEquals(text, textBeforeImageData(png).get("parameters"));
      BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
      assertEquals(40, back.getWidth(), "still a valid PNG");
      assertEquals(0x123456, back.getRGB(3, 5) & 0xFFFFFF);
    }
  }

  @Test
  void readsTextWrittenAfterTheImageDataToo() throws Exception {
    byte[] png = tinyPng();
    byte[] chunk = chunk("tEXt", "parameters\0old order".getBytes(StandardCharsets.ISO_8859_1));
    int iend = png.length - 12;
    byte[] out = new byte[png.length + chunk.length];
    System.arraycopy(png, 0, out, 0, iend);
    System.arraycopy(chunk, 0, out, iend, chunk.length);
    System.arraycopy(png, iend, out, iend + chunk.length, 12);
    List<String> types = PngText.chunkTypes(out);
    assertTrue(types.indexOf("tEXt") > types.lastIndexOf("IDAT"), types.toString());
    assertEquals("old order", PngText.read(out).get("parameters"));
    assertNull(textBeforeImageData(out).get("parameters"));
  }

  @Test
  void refusesToAddTextToAFileWithoutHeaderFirst() throws Exception {
    byte[] png = tinyPng();
    png[12] = 'X'; // IHDR -> XHDR
    assertThrows(PngFormatException.class, () -> PngText.withText(png, "parameters", "x"));
  }

  /** A 40x30 picture whose data does not fit one small IDAT. */
  private static byte[] bigPng() throws Exception {
    BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 30; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, x * 977 + y * 31);
    img.setRGB(3, 5, 0x123456);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** The text chunks a reader sees when it stops at the first IDAT (as PIL's Image.open does). */
  private static Map<String, String> textBeforeImageData(byte[] png) {
    Map<String, String> out = new HashMap<>();
    ByteBuffer b = ByteBuffer.wrap(png);
    int pos = 8;
    while (true) {
      int length = b.getInt(pos);
      String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
      if (type.equals("IDAT") || type.equals("IEND")) return out;
      byte[] data = Arrays.copyOfRange(png, pos + 8, pos + 8 + length);
      int zero = 0;
      while (data[zero] != 0) zero++;
      String keyword = new String(data, 0, zero, StandardCharsets.ISO_8859_1);
      if (type.equals("tEXt"))
        out.put(
            keyword, new String(data, zero + 1, length - zero - 1, StandardCharsets.ISO_8859_1));
      else if (type.equals("iTXt")) // uncompressed, empty language tag and translated keyword
      out.put(keyword, new String(data, zero + 5, length - zero - 5, StandardCharsets.UTF_8));
      pos += 12 + length;
    }
  }

  private static byte[] chunk(String type, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(12 + data.length);
    byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
    b.putInt(data.length).put(t).put(data);
    CRC32 c = new CRC32();
    c.update(t);
    c.update(data);
    b.putInt((int) c.getValue());
    return b.array();
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
