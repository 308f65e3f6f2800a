package org.altdiffusion.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** tools/reference/make_image_fixtures.py's cases, and the training image fixtures. */
final class ImageFixtures {
  private static JsonNode cases;

  private ImageFixtures() {}

  /** {@code src/test/resources/fixtures/<relative>}. */
  static Path path(String relative) {
    try {
      return Path.of(ImageFixtures.class.getResource("/fixtures/" + relative).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing test fixture " + relative, e);
    }
  }

  static byte[] bytes(String relative) {
    try {
      return Files.readAllBytes(path(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One section of fixtures/image/cases.json. */
  static synchronized JsonNode section(String name) {
    if (cases == null) {
      try {
        cases = new ObjectMapper().readTree(path("image/cases.json").toFile());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    JsonNode s = cases.get(name);
    if (s == null) throw new IllegalStateException("no section " + name + " in image/cases.json");
    return s;
  }

  /** Base64 bytes as 0..255 ints. */
  static int[] u8(JsonNode b64) {
    byte[] b = Base64.getDecoder().decode(b64.textValue());
    int[] out = new int[b.length];
    for (int i = 0; i < b.length; i++) out[i] = b[i] & 255;
    return out;
  }

  /** Base64 little-endian float32. */
  static float[] f32(JsonNode b64) {
    ByteBuffer b =
        ByteBuffer.wrap(Base64.getDecoder().decode(b64.textValue())).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  /** Interleaved RGB (3 channels) or RGBA (4) bytes as a TYPE_INT_RGB / TYPE_INT_ARGB picture. */
  static BufferedImage image(int[] v, int w, int h, int channels) {
    BufferedImage img =
        new BufferedImage(
            w, h, channels == 4 ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < w * h; i++) {
      int a = channels == 4 ? v[i * 4 + 3] : 255;
      img.setRGB(
          i % w,
          i / w,
          (a << 24) | (v[i * channels] << 16) | (v[i * channels + 1] << 8) | v[i * channels + 2]);
    }
    return img;
  }

  /** A picture as interleaved RGB bytes. */
  static int[] rgb(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] out = new int[3 * w * h];
    for (int i = 0; i < w * h; i++) {
      int p = img.getRGB(i % w, i / w);
      out[3 * i] = (p >> 16) & 255;
      out[3 * i + 1] = (p >> 8) & 255;
      out[3 * i + 2] = p & 255;
    }
    return out;
  }

  /** Index and values of the first difference, or null when equal. */
  static String firstDifference(int[] expected, int[] actual) {
    if (expected.length != actual.length)
      return "length " + actual.length + ", expected " + expected.length;
    int count = 0;
    int first = -1;
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != actual[i]) {
        if (first < 0) first = i;
        count++;
      }
    }
    if (count == 0) return null;
    return count
        + " of "
        + expected.length
        + " values differ; first at "
        + first
        + ": "
        + actual[first]
        + ", expected "
        + expected[first];
  }
}
