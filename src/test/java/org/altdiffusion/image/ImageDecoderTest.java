package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.altdiffusion.image.BadImageException.Problem;
import org.junit.jupiter.api.Test;

/**
 * Odd-but-valid image modes become the expected RGB (moved from train.data.ImageDecodingTest);
 * every refusal says what was wrong and what is accepted.
 */
class ImageDecoderTest {
  static final String ACCEPTED = "accepted: PNG, JPEG, BMP, GIF";

  private static byte[] training(String file) {
    return ImageFixtures.bytes("training/images/" + file);
  }

  private static int[] rgbOf(String file) {
    BufferedImage img =
        Alpha.flatten(ImageDecoder.decode(training(file), ImageLimits.TRAINING), Alpha.WHITE);
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
          what + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(actual));
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
  void headerGivesFormatAndSizeWithoutDecoding() {
    assertEquals(new ImageHeader("png", 20, 12), ImageHeader.read(training("rgb.png")));
    assertEquals(new ImageHeader("jpeg", 20, 12), ImageHeader.read(training("cmyk.jpg")));
    assertEquals(new ImageHeader("png", 20000, 20000), ImageHeader.read(hugeHeaderPng()));
  }

  private static BadImageException refused(byte[] bytes, ImageLimits limits) {
    return assertThrows(BadImageException.class, () -> ImageDecoder.decode(bytes, limits));
  }

  @Test
  void emptyAndNonImageBytesAreNotAnImage() {
    BadImageException empty = refused(new byte[0], ImageLimits.UPLOADS);
    assertEquals(Problem.NOT_AN_IMAGE, empty.problem());
    assertEquals("not an image (empty: 0 bytes); " + ACCEPTED, empty.getMessage());
    BadImageException text = refused("hello world".getBytes(), ImageLimits.UPLOADS);
    assertEquals(Problem.NOT_AN_IMAGE, text.problem());
    assertEquals("not an image (unknown format); " + ACCEPTED, text.getMessage());
    assertEquals(
        Problem.NOT_AN_IMAGE, refused(training("garbage.jpg"), ImageLimits.UPLOADS).problem());
  }

  @Test
  void truncatedFilesSaySo() {
    BadImageException jpeg = refused(training("truncated.jpg"), ImageLimits.TRAINING);
    assertEquals(Problem.TRUNCATED, jpeg.problem());
    assertEquals(
        "not a readable image (the JPEG data ends without an end-of-image marker: truncated);"
            + " accepted: complete PNG, JPEG, BMP or GIF files",
        jpeg.getMessage());
    byte[] png = Png.encode(noise(), null);
    BadImageException cut = refused(Arrays.copyOf(png, png.length / 2), ImageLimits.UPLOADS);
    assertEquals(Problem.TRUNCATED, cut.problem());
    assertEquals(
        "not a readable image (the PNG data ends early: truncated); accepted: complete PNG, JPEG,"
            + " BMP or GIF files",
        cut.getMessage());
  }

  @Test
  void corruptDataSaysWhatTheReaderFound() {
    byte[] png = Png.encode(noise(), null);
    for (int i = 1000; i < 1008; i++) png[i] ^= 0x55;
    BadImageException e = refused(png, ImageLimits.UPLOADS);
    assertEquals(Problem.CORRUPT, e.problem());
    assertTrue(
        e.getMessage().startsWith("not a readable image (PNG: Error reading PNG image data: "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("); " + ACCEPTED), e.getMessage());
  }

  /** 64x64 of hard-to-compress colours. */
  static BufferedImage noise() {
    BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, x * y * 997);
    return img;
  }

  @Test
  void webpIsRecognisedAndRefusedWithAWayOut() {
    BadImageException e = refused(training("green.webp"), ImageLimits.TRAINING);
    assertEquals(Problem.UNSUPPORTED_FORMAT, e.problem());
    assertEquals(
        "a WebP image, which this build cannot decode (no WebP reader); "
            + ACCEPTED
            + " (convert it to PNG or JPEG)",
        e.getMessage());
  }

  /** A real 1x1 PNG whose header then claims 20000 x 20000 pixels (CRC fixed). */
  static byte[] hugeHeaderPng() {
    byte[] png = Png.encode(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), null);
    ByteBuffer b = ByteBuffer.wrap(png);
    b.putInt(16, 20000).putInt(20, 20000);
    CRC32 crc = new CRC32();
    crc.update(png, 12, 17);
    b.putInt(29, (int) crc.getValue());
    return png;
  }

  @Test
  void tooLargeIsRefusedFromTheHeaderWithTheLimit() {
    BadImageException uploads = refused(hugeHeaderPng(), ImageLimits.UPLOADS);
    assertEquals(Problem.TOO_LARGE, uploads.problem());
    assertEquals("20000x20000 pixels; accepted: at most 8192 on a side", uploads.getMessage());
    BadImageException training = refused(hugeHeaderPng(), ImageLimits.TRAINING);
    assertEquals("20000x20000 pixels; accepted: at most 100000000 pixels", training.getMessage());
    BadImageException both = refused(hugeHeaderPng(), new ImageLimits(30000, 1000));
    assertEquals(
        "20000x20000 pixels; accepted: at most 30000 on a side and 1000 pixels", both.getMessage());
    // the limits themselves
    assertEquals(
        "image limits must be positive, got 0 on a side, 1 pixels",
        assertThrows(IllegalArgumentException.class, () -> new ImageLimits(0, 1)).getMessage());
  }

  @Test
  void decodedPicturesKeepTheirColourModelUntilAlphaConverts() {
    BufferedImage gray = ImageDecoder.decode(training("gray.png"), ImageLimits.UPLOADS);
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, gray.getType());
    // Java2D's getRGB brightens linear gray; Alpha keeps the stored value as PIL does
    assertEquals(77, Alpha.drop(gray).getRGB(10, 6) & 255);
  }

  @Test
  void pngTextSurvivesEncoding() throws Exception {
    byte[] png = Png.encode(ResizeModeTest.bands(8, 8, false), "a cat\nSteps: 2");
    assertEquals("a cat\nSteps: 2", org.altdiffusion.io.png.PngText.read(png).get("parameters"));
    BufferedImage back = ImageDecoder.decode(png, ImageLimits.UPLOADS);
    assertEquals(ResizeModeTest.GREEN, back.getRGB(0, 0) & 0xFFFFFF);
  }

  @Test
  void readerMessagesAreKeptToOneShortLine() {
    String s = BadImageException.abbreviate("a\n  b" + "x".repeat(500));
    assertEquals(200, s.length());
    assertTrue(s.startsWith("a bxxx") && s.endsWith("..."), s);
  }
}
