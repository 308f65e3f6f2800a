package org.altdiffusion.image;

/**
 * An 8-bit one-channel picture, as PIL's mode "L": what inpainting masks are made of (0 keeps a
 * pixel, 255 repaints it).
 *
 * @param width in pixels
 * @param height in pixels
 * @param values {@code width * height} values 0..255, row-major (not copied: do not modify one that
 *     is shared; record equality compares this array by identity)
 */
public record GrayImage(int width, int height, int[] values) {
  public GrayImage {
    if (width < 1 || height < 1)
      throw new IllegalArgumentException(
          "a gray image needs a positive size, got " + width + "x" + height);
    if (values.length != width * height)
      throw new IllegalArgumentException(
          "a "
              + width
              + "x"
              + height
              + " gray image has "
              + width * height
              + " values, got "
              + values.length);
    for (int v : values)
      if (v < 0 || v > 255)
        throw new IllegalArgumentException("gray values must be 0..255, got " + v);
  }

  /** The value at column {@code x}, row {@code y}. */
  public int get(int x, int y) {
    return values[y * width + x];
  }
}
