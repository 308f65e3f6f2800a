package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Inpainting masks against PIL, A1111 (over OpenCV), diffusers and torch fixtures. */
class MasksTest {
  private static GrayImage gray(JsonNode c, String field, int w, int h) {
    return new GrayImage(w, h, ImageFixtures.u8(c.get(field)));
  }

  private static BufferedImage picture(JsonNode c) {
    int channels = c.get("mode").textValue().length(); // "RGB" or "RGBA"
    return ImageFixtures.image(
        ImageFixtures.u8(c.get("input")), c.get("w").intValue(), c.get("h").intValue(), channels);
  }

  @Test
  void luminanceIsPilsL() {
    JsonNode cases = ImageFixtures.section("luminance");
    assertEquals(2, cases.size());
    for (JsonNode c : cases) {
      int[] actual = Masks.luminance(picture(c)).values();
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), actual),
          c.get("mode").textValue());
    }
  }

  @Test
  void binaryMaskIsA1111s() {
    JsonNode cases = ImageFixtures.section("binary");
    assertEquals(3, cases.size());
    for (JsonNode c : cases) {
      int[] actual = Masks.a1111(picture(c)).values();
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), actual),
          c.get("mode").textValue());
    }
  }

  @Test
  void blurIsA1111sOpenCvBlurExactly() {
    JsonNode cases = ImageFixtures.section("blur");
    assertEquals(8, cases.size());
    for (JsonNode c : cases) {
      int w = c.get("w").intValue();
      int h = c.get("h").intValue();
      double sx = c.get("sigma_x").doubleValue();
      double sy = c.get("sigma_y").doubleValue();
      int[] actual = Masks.blur(gray(c, "input", w, h), sx, sy).values();
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), actual),
          w + "x" + h + " blur " + sx + ", " + sy);
    }
  }

  @Test
  void openCvKernelsSumTo256() {
    assertArrayEquals(new int[] {256}, GaussianBlur.kernel(1, 4));
    assertEquals(21, Masks.kernelSize(4)); // A1111's default mask blur
    for (double sigma : new double[] {0.5, 1, 4, 16, 64}) {
      int[] k = GaussianBlur.kernel(Masks.kernelSize(sigma), sigma);
      assertEquals(256, Arrays.stream(k).sum(), "sigma " + sigma);
    }
  }

  @Test
  void diffusersMaskIsResizedThenBinarized() {
    JsonNode cases = ImageFixtures.section("diffusers");
    assertEquals(4, cases.size());
    for (JsonNode c : cases) {
      int w = c.get("w").intValue();
      int h = c.get("h").intValue();
      int tw = c.get("width").intValue();
      int th = c.get("height").intValue();
      float[] m = Masks.diffusers(gray(c, "input", w, h), tw, th);
      int[] actual = new int[m.length];
      for (int i = 0; i < m.length; i++) actual[i] = (int) m[i];
      assertNull(
          ImageFixtures.firstDifference(ImageFixtures.u8(c.get("expected")), actual),
          w + "x" + h + " -> " + tw + "x" + th);
    }
  }

  @Test
  void nearestIsTorchs() {
    JsonNode cases = ImageFixtures.section("nearest");
    assertEquals(5, cases.size());
    for (JsonNode c : cases) {
      float[] actual =
          Masks.nearest(
              ImageFixtures.f32(c.get("input")),
              c.get("w").intValue(),
              c.get("h").intValue(),
              c.get("lw").intValue(),
              c.get("lh").intValue());
      assertArrayEquals(
          ImageFixtures.f32(c.get("expected")),
          actual,
          0f,
          c.get("w") + "x" + c.get("h") + " -> " + c.get("lw") + "x" + c.get("lh"));
    }
  }

  @Test
  void badMasksSayWhatIsWrongAndWhatIsAccepted() {
    assertEquals(
        "a 2x2 gray image has 4 values, got 3",
        assertThrows(IllegalArgumentException.class, () -> new GrayImage(2, 2, new int[3]))
            .getMessage());
    assertEquals(
        "gray values must be 0..255, got 256",
        assertThrows(IllegalArgumentException.class, () -> new GrayImage(1, 1, new int[] {256}))
            .getMessage());
    assertEquals(
        "a gray image needs a positive size, got 0x1",
        assertThrows(IllegalArgumentException.class, () -> new GrayImage(0, 1, new int[0]))
            .getMessage());
    GrayImage m = new GrayImage(1, 1, new int[] {0});
    assertEquals(
        "mask blur must be 0 (none) or more, got -1.0, 0.0",
        assertThrows(IllegalArgumentException.class, () -> Masks.blur(m, -1, 0)).getMessage());
    assertEquals(
        "a 2x2 mask has 4 values, got 1",
        assertThrows(IllegalArgumentException.class, () -> Masks.nearest(new float[1], 2, 2, 1, 1))
            .getMessage());
    assertEquals(
        "the latent size must be positive, got 0x1",
        assertThrows(IllegalArgumentException.class, () -> Masks.nearest(new float[4], 2, 2, 0, 1))
            .getMessage());
  }
}
