package org.altdiffusion.image;

import java.awt.image.BufferedImage;

/**
 * 8-bit RGB to the VAE's input numbers: three channel planes in [-1, 1], {@code v / 127.5 - 1} (bit
 * for bit diffusers' {@code VaeImageProcessor}: {@code 2 * (v / 255) - 1} in float32).
 */
public final class Pixels {
  private Pixels() {}

  /**
   * Packed 0xRRGGBB pixels (alpha bits ignored), row-major, as [3, H, W] floats in [-1, 1] written
   * into {@code out} at {@code offset} (channel-major: all red, then green, then blue).
   */
  public static void normalized(int[] rgb, float[] out, int offset) {
    int plane = rgb.length;
    for (int i = 0; i < plane; i++) {
      int p = rgb[i];
      out[offset + i] = ((p >> 16) & 255) / 127.5f - 1f;
      out[offset + plane + i] = ((p >> 8) & 255) / 127.5f - 1f;
      out[offset + 2 * plane + i] = (p & 255) / 127.5f - 1f;
    }
  }

  /**
   * A picture as a new [3, H, W] float array in [-1, 1]. Alpha is ignored; use {@link Alpha} first
   * for anything but 8-bit RGB (Java2D's {@code getRGB} brightens gray pictures).
   */
  public static float[] normalized(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    float[] out = new float[3 * w * h];
    normalized(img.getRGB(0, 0, w, h, null, 0, w), out, 0);
    return out;
  }
}
