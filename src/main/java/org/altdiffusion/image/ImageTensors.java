package org.altdiffusion.image;

import java.awt.image.BufferedImage;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Pictures to and from the VAE's tensors, with diffusers' conventions and rounding. */
public final class ImageTensors {
  private ImageTensors() {}

  /**
   * A picture as a [1, 3, H, W] tensor in [-1, 1], the VAE's input convention ({@code x / 127.5 -
   * 1}, see {@link Pixels}). Alpha is dropped.
   */
  public static Tensor toTensor(BufferedImage img) {
    return Tensors.fromFloats(Pixels.normalized(img), 1, 3, img.getHeight(), img.getWidth());
  }

  /**
   * A picture as a [1, 3, H, W] tensor in [0, 1] ({@code v / 255} in float32, as diffusers' control
   * image processor without normalisation). Alpha is dropped.
   */
  public static Tensor toUnitTensor(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
    int plane = w * h;
    float[] out = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      out[i] = ((rgb[i] >> 16) & 255) / 255f;
      out[plane + i] = ((rgb[i] >> 8) & 255) / 255f;
      out[2 * plane + i] = (rgb[i] & 255) / 255f;
    }
    return Tensors.fromFloats(out, 1, 3, h, w);
  }

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
    int plane = h * w;
    int[] packed = new int[plane];
    for (int i = 0; i < plane; i++) {
      packed[i] = (to8bit(v[i]) << 16) | (to8bit(v[plane + i]) << 8) | to8bit(v[2 * plane + i]);
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, w, h, packed, 0, w);
    return img;
  }

  /** numpy's {@code (x * 255).round().astype("uint8")} for x in [0, 1] (round half to even). */
  static int to8bit(float value) {
    double scaled = Math.rint((double) (value * 255f));
    return (int) Math.max(0, Math.min(255, scaled));
  }
}
