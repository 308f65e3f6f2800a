package org.altdiffusion.image;

import java.awt.image.BufferedImage;

/**
 * Channels of an 8-bit picture kept apart (one byte per value, row-major), the way PIL resamples
 * and pastes them: each channel on its own with the same coefficients.
 */
record Planes(int width, int height, byte[][] channels) {
  static Planes of(BufferedImage rgb) {
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    byte[][] c = new byte[3][w * h];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      rgb.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0, i = y * w; x < w; x++, i++) {
        c[0][i] = (byte) (row[x] >> 16);
        c[1][i] = (byte) (row[x] >> 8);
        c[2][i] = (byte) row[x];
      }
    }
    return new Planes(w, h, c);
  }

  static Planes of(GrayImage gray) {
    int[] v = gray.values();
    byte[] c = new byte[v.length];
    for (int i = 0; i < v.length; i++) c[i] = (byte) v[i];
    return new Planes(gray.width(), gray.height(), new byte[][] {c});
  }

  /** All zero (black), as PIL's {@code Image.new(mode, size)}. */
  static Planes black(int width, int height, int channels) {
    return new Planes(width, height, new byte[channels][width * height]);
  }

  BufferedImage toRgb() {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      for (int x = 0, i = y * width; x < width; x++, i++)
        row[x] =
            ((channels[0][i] & 255) << 16) | ((channels[1][i] & 255) << 8) | (channels[2][i] & 255);
      out.setRGB(0, y, width, 1, row, 0, width);
    }
    return out;
  }

  GrayImage toGray() {
    int[] v = new int[width * height];
    for (int i = 0; i < v.length; i++) v[i] = channels[0][i] & 255;
    return new GrayImage(width, height, v);
  }

  Planes copy() {
    byte[][] c = new byte[channels.length][];
    for (int i = 0; i < c.length; i++) c[i] = channels[i].clone();
    return new Planes(width, height, c);
  }

  /** PIL's {@code paste(src, (x, y))}: the part of {@code src} that falls inside is copied. */
  void paste(Planes src, int x, int y) {
    int x0 = Math.max(0, x);
    int y0 = Math.max(0, y);
    int x1 = Math.min(width, x + src.width);
    int y1 = Math.min(height, y + src.height);
    if (x0 >= x1 || y0 >= y1) return;
    for (int c = 0; c < channels.length; c++) {
      for (int row = y0; row < y1; row++) {
        System.arraycopy(
            src.channels[c],
            (row - y) * src.width + (x0 - x),
            channels[c],
            row * width + x0,
            x1 - x0);
      }
    }
  }
}
