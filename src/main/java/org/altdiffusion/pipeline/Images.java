package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.png.PngText;
import org.bytedeco.pytorch.Tensor;

/** Conversions between image tensors and pictures, with diffusers' rounding. */
public final class Images {
  /** Largest side we decode from user input, to bound memory. */
  public static final int MAX_SIDE = 8192;

  private Images() {}

  /**
   * One image of a decoded batch, values in [0, 1] (already clamped) as [3, H, W], to 8-bit RGB the
   * way diffusers does it: {@code round(x * 255)}.
   */
  public static BufferedImage toImage(Tensor chw) {
    long[] s = Tensors.shape(chw);
    if (s.length != 3 || s[0] != 3)
      throw new IllegalArgumentException(
          "expected an image tensor [3, H, W], got " + Tensors.shapeString(chw));
    int h = (int) s[1];
    int w = (int) s[2];
    float[] v = Tensors.toFloats(chw);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int plane = h * w;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        int r = to8bit(v[i]);
        int g = to8bit(v[plane + i]);
        int b = to8bit(v[2 * plane + i]);
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return img;
  }

  /** numpy's {@code (x * 255).round().astype("uint8")} for x in [0, 1] (round half to even). */
  static int to8bit(float value) {
    double scaled = Math.rint((double) (value * 255f));
    return (int) Math.max(0, Math.min(255, scaled));
  }

  /**
   * A picture as a [1, 3, H, W] tensor in [-1, 1], the VAE's input convention ({@code x / 127.5 -
   * 1}). Alpha is dropped; grayscale is replicated to RGB.
   */
  public static Tensor toTensor(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    float[] v = new float[3 * w * h];
    int plane = w * h;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int i = y * w + x;
        v[i] = ((rgb >> 16) & 255) / 127.5f - 1f;
        v[plane + i] = ((rgb >> 8) & 255) / 127.5f - 1f;
        v[2 * plane + i] = (rgb & 255) / 127.5f - 1f;
      }
    }
    return Tensors.fromFloats(v, 1, 3, h, w);
  }

  /**
   * PNG bytes of {@code img} with the A1111 {@code parameters} text when {@code parameters} is not
   * null.
   */
  public static byte[] png(BufferedImage img, String parameters) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    return parameters == null ? bytes : PngText.withText(bytes, "parameters", parameters);
  }

  /** Decodes PNG/JPEG/BMP/GIF bytes from a user, with a clear error for anything else. */
  public static BufferedImage decode(byte[] bytes) {
    BufferedImage img;
    try {
      img = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "not a readable image (" + e.getMessage() + "); accepted: PNG, JPEG, BMP, GIF");
    }
    if (img == null)
      throw new IllegalArgumentException("not a readable image; accepted: PNG, JPEG, BMP, GIF");
    if (img.getWidth() > MAX_SIDE || img.getHeight() > MAX_SIDE) {
      throw new IllegalArgumentException(
          "image is "
              + img.getWidth()
              + "x"
              + img.getHeight()
              + ", larger than "
              + MAX_SIDE
              + " on a side");
    }
    return img;
  }
}
