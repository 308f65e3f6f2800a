package org.altdiffusion.train.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Image bytes to training pixels: decode (JPEG, PNG, GIF, BMP), bring every valid mode to 8-bit RGB
 * (grayscale and 16-bit samples rescaled, alpha composited over white, CMYK/YCCK JPEGs converted),
 * resize the shorter side to the training size (antialiased triangle filter, as PIL's bilinear) and
 * crop the centre square. Bytes that do not decode, truncated files included, become a {@link
 * SkippedSample}; WebP is recognised and skipped as unsupported (the JDK has no decoder).
 */
public final class ImageDecoding {
  /** Largest picture decoded (width x height); larger ones are skipped before any pixel is read. */
  public static final long MAX_PIXELS = 100_000_000L;

  private ImageDecoding() {}

  /** Decodes to 8-bit RGB packed 0xRRGGBB ({@code BufferedImage.TYPE_INT_RGB}). */
  public static BufferedImage decode(byte[] bytes, String what) throws SkippedSample {
    if (bytes.length >= 12
        && bytes[0] == 'R'
        && bytes[1] == 'I'
        && bytes[2] == 'F'
        && bytes[3] == 'F'
        && bytes[8] == 'W'
        && bytes[9] == 'E'
        && bytes[10] == 'B'
        && bytes[11] == 'P') {
      throw new SkippedSample(
          SkipReason.UNSUPPORTED_IMAGE,
          what + ": WebP (no decoder in this build; convert to JPEG or PNG)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext())
        throw new SkippedSample(
            SkipReason.CORRUPT_IMAGE, what + ": not an image in a known format");
      ImageReader reader = readers.next();
      List<String> warnings = new ArrayList<>();
      try {
        reader.setInput(in, true, true);
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > MAX_PIXELS) {
          throw new SkippedSample(
              SkipReason.UNSUPPORTED_IMAGE,
              what
                  + ": "
                  + reader.getWidth(0)
                  + "x"
                  + reader.getHeight(0)
                  + " is larger than the "
                  + MAX_PIXELS
                  + " pixels decoded");
        }
        BufferedImage image;
        try {
          image = reader.read(0);
        } catch (javax.imageio.IIOException e) {
          if (!"jpeg".equalsIgnoreCase(reader.getFormatName())
              || !String.valueOf(e.getMessage()).contains("Unsupported Image Type")) throw e;
          in.seek(0);
          reader.setInput(in, true, true);
          image = cmykToRgb(reader.readRaster(0, null), isAdobeYcck(bytes));
        }
        if (!warnings.isEmpty())
          throw new SkippedSample(SkipReason.CORRUPT_IMAGE, what + ": " + warnings.get(0));
        if (truncatedJpeg(reader, bytes))
          throw new SkippedSample(
              SkipReason.CORRUPT_IMAGE,
              what + ": JPEG data ends without an end-of-image marker (truncated)");
        return toRgb(image);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new SkippedSample(
          SkipReason.CORRUPT_IMAGE,
          what + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }
  }

  private static boolean truncatedJpeg(ImageReader reader, byte[] b) throws IOException {
    if (!"jpeg".equalsIgnoreCase(reader.getFormatName())) return false;
    // An end-of-image marker must follow the data; allow padding after it.
    for (int i = b.length - 2; i >= Math.max(0, b.length - 4096); i--) {
      if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) return false;
    }
    return true;
  }

  /** Adobe APP14 transform 2 = YCCK (else plain, inverted CMYK as Photoshop writes it). */
  private static boolean isAdobeYcck(byte[] b) {
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
  private static BufferedImage cmykToRgb(Raster raster, boolean ycck) throws IOException {
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
        int r = clamp(clamp(c) * px[3] / 255.0);
        int g = clamp(clamp(m) * px[3] / 255.0);
        int bl = clamp(clamp(ye) * px[3] / 255.0);
        out.setRGB(x, y, (r << 16) | (g << 8) | bl);
      }
    }
    return out;
  }

  private static int clamp(double v) {
    return (int) Math.max(0, Math.min(255, Math.round(v)));
  }

  /**
   * 8-bit RGB from any decoded image: gray replicated to three channels (no gamma change), 16-bit
   * samples rounded to 8 bits, alpha composited over white; other colour models through Java2D's
   * sRGB conversion (palettes, 8-bit RGB: exact).
   */
  static BufferedImage toRgb(BufferedImage image) {
    if (image.getType() == BufferedImage.TYPE_INT_RGB) return image;
    int w = image.getWidth();
    int h = image.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    boolean component = cm instanceof ComponentColorModel;
    int csType = cm.getColorSpace().getType();
    boolean gray = component && csType == ColorSpace.TYPE_GRAY;
    boolean rgb = component && csType == ColorSpace.TYPE_RGB && cm.getColorSpace().isCS_sRGB();
    if (gray || rgb) {
      int bands = raster.getNumBands();
      int colourBands = gray ? 1 : 3;
      boolean alpha = cm.hasAlpha();
      int bits = cm.getComponentSize(0);
      double max = (1L << bits) - 1;
      int[] px = new int[bands];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          raster.getPixel(x, y, px);
          double a =
              alpha ? px[colourBands] / ((1L << cm.getComponentSize(colourBands)) - 1.0) : 1.0;
          int[] c = new int[3];
          for (int i = 0; i < 3; i++) {
            double v = px[gray ? 0 : i] / max * 255.0;
            c[i] = clamp(v * a + 255.0 * (1 - a));
          }
          out.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
        }
      }
      return out;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = image.getRGB(x, y);
        double a = (argb >>> 24) / 255.0;
        int r = clamp(((argb >> 16) & 255) * a + 255 * (1 - a));
        int g = clamp(((argb >> 8) & 255) * a + 255 * (1 - a));
        int b = clamp((argb & 255) * a + 255 * (1 - a));
        out.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return out;
  }

  /**
   * [3, size, size] floats in [-1, 1]: the shorter side resized to {@code size} (antialiased
   * triangle filter), then the centre square (as torchvision's Resize + CenterCrop).
   */
  public static float[] pixels(BufferedImage rgb, int size) {
    int w = rgb.getWidth();
    int h = rgb.getHeight();
    double scale = (double) size / Math.min(w, h);
    int rw = Math.max(size, (int) Math.round(w * scale));
    int rh = Math.max(size, (int) Math.round(h * scale));
    float[][] planes = new float[3][w * h];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      rgb.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        planes[0][y * w + x] = (row[x] >> 16) & 255;
        planes[1][y * w + x] = (row[x] >> 8) & 255;
        planes[2][y * w + x] = row[x] & 255;
      }
    }
    int left = (int) Math.round((rw - size) / 2.0);
    int top = (int) Math.round((rh - size) / 2.0);
    float[] out = new float[3 * size * size];
    for (int c = 0; c < 3; c++) {
      float[] resized = resize(planes[c], w, h, rw, rh);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          float v = Math.max(0f, Math.min(255f, resized[(y + top) * rw + x + left]));
          out[c * size * size + y * size + x] = v / 127.5f - 1f;
        }
      }
    }
    return out;
  }

  /** Separable resize with a triangle filter widened by the downscale factor (antialiasing). */
  static float[] resize(float[] src, int w, int h, int nw, int nh) {
    float[] horizontal = new float[nw * h];
    resample1d(src, w, h, nw, true, horizontal);
    float[] out = new float[nw * nh];
    resample1d(horizontal, nw, h, nh, false, out);
    return out;
  }

  private static void resample1d(float[] src, int w, int h, int n, boolean alongX, float[] dst) {
    int inLen = alongX ? w : h;
    int lines = alongX ? h : w;
    double scale = (double) inLen / n;
    double support = Math.max(1.0, scale);
    for (int o = 0; o < n; o++) {
      double center = (o + 0.5) * scale;
      int lo = Math.max(0, (int) Math.floor(center - support));
      int hi = Math.min(inLen - 1, (int) Math.ceil(center + support));
      double[] weights = new double[hi - lo + 1];
      double total = 0;
      for (int i = lo; i <= hi; i++) {
        double d = Math.abs(i + 0.5 - center) / support;
        double wgt = Math.max(0, 1 - d);
        weights[i - lo] = wgt;
        total += wgt;
      }
      for (int line = 0; line < lines; line++) {
        double acc = 0;
        for (int i = lo; i <= hi; i++) {
          double v = alongX ? src[line * w + i] : src[i * w + line];
          acc += v * weights[i - lo];
        }
        float value = (float) (total > 0 ? acc / total : 0);
        if (alongX) dst[line * n + o] = value;
        else dst[o * w + line] = value;
      }
    }
  }
}
