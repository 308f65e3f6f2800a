package org.altdiffusion.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;

/** JPEG details the JDK's reader leaves out: Adobe CMYK/YCCK pictures and the end marker. */
final class CmykJpeg {
  private CmykJpeg() {}

  /** Whether an end-of-image marker ends the data (padding of up to 4 KiB after it allowed). */
  static boolean endsWithEndOfImage(byte[] b) {
    for (int i = b.length - 2; i >= Math.max(0, b.length - 4096); i--) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) return true;
    }
    return false;
  }

  /** Adobe APP14 transform 2 = YCCK (else plain, inverted CMYK as Photoshop writes it). */
  static boolean isAdobeYcck(byte[] b) {
    for (int i = 2; i + 16 < b.length && i < 65536; i++) {
      if ((b[i] & 0xFF) == 0xFF
          && (b[i + 1] & 0xFF) == 0xEE
          && b[i + 4] == 'A'
          && b[i + 5] == 'd'
          && b[i + 6] == 'o'
          && b[i + 7] == 'b'
          && b[i + 8] == 'e') {
        return b[i + 15] == 2;
      }
    }
    return false;
  }

  /** Adobe-style (inverted) CMYK or YCCK samples to RGB, the naive way (no ICC profile). */
  static BufferedImage toRgb(Raster raster, boolean ycck) throws IOException {
    if (raster.getNumBands() != 4)
      throw new IOException(
          "unsupported JPEG colour layout with " + raster.getNumBands() + " channels");
    int w = raster.getWidth();
    int h = raster.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] px = new int[4];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.getPixel(x, y, px);
        // Adobe stores all four channels inverted (255 = no ink); YCCK holds the inverted C, M, Y
        // as YCbCr. Ink-free value of a channel = stored value; times the stored (inverted) K.
        double c = px[0];
        double m = px[1];
        double ye = px[2];
        if (ycck) {
          double cb = px[1] - 128.0;
          double cr = px[2] - 128.0;
          c = px[0] + 1.402 * cr;
          m = px[0] - 0.344136 * cb - 0.714136 * cr;
          ye = px[0] + 1.772 * cb;
        }
        int r = Alpha.clamp(Alpha.clamp(c) * px[3] / 255.0);
        int g = Alpha.clamp(Alpha.clamp(m) * px[3] / 255.0);
        int bl = Alpha.clamp(Alpha.clamp(ye) * px[3] / 255.0);
        out.setRGB(x, y, (r << 16) | (g << 8) | bl);
      }
    }
    return out;
  }
}
