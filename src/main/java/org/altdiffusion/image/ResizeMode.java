package org.altdiffusion.image;

import java.awt.image.BufferedImage;
import org.altdiffusion.image.PilResize.Filter;

/**
 * AUTOMATIC1111's img2img resize modes ({@code modules/images.py resize_image}, 0..2), with its
 * default of no upscaler: PIL's Lanczos, geometry and edge fill as A1111 computes them, so that the
 * fitted picture is the same byte for byte. A1111's mode 3, "Just resize (latent upscale)", is not
 * a picture operation (the picture is encoded at its own size and the latents are resized), so it
 * is not here.
 *
 * <p>Where A1111 would fail (a side scaled to 0 pixels) the side is 1 pixel instead.
 */
public enum ResizeMode {
  /** 0, "Just resize": stretched to width x height. */
  JUST_RESIZE,
  /**
   * 1, "Crop and resize": scaled to cover width x height, aspect ratio kept, centred; what sticks
   * out is cut off.
   */
  CROP_AND_RESIZE,
  /**
   * 2, "Resize and fill": scaled to fit inside width x height, aspect ratio kept, centred; the
   * bands beside it are its edge rows (or columns) stretched (PIL's bicubic from an empty box,
   * which extrapolates slightly: {@code 1.125 * edge - 0.125 * next}).
   */
  RESIZE_AND_FILL;

  /** A1111's number of this mode ({@code resize_mode} in its API). */
  public int a1111Index() {
    return ordinal();
  }

  /** The picture (8-bit RGB) fitted to {@code width x height}; a new {@code TYPE_INT_RGB}. */
  public BufferedImage fit(BufferedImage rgb, int width, int height) {
    return fit(Planes.of(rgb), width, height).toRgb();
  }

  /** A mask fitted the same way (A1111 fits its masks with the picture's mode). */
  public GrayImage fit(GrayImage gray, int width, int height) {
    return fit(Planes.of(gray), width, height).toGray();
  }

  Planes fit(Planes im, int width, int height) {
    if (width < 1 || height < 1)
      throw new IllegalArgumentException(
          "the target size must be positive, got " + width + "x" + height);
    if (this == JUST_RESIZE) return PilResize.resize(im, width, height, Filter.LANCZOS);
    double ratio = (double) width / height;
    double srcRatio = (double) im.width() / im.height();
    boolean fullWidth = this == CROP_AND_RESIZE ? ratio > srcRatio : ratio < srcRatio;
    boolean fullHeight = this == CROP_AND_RESIZE ? ratio <= srcRatio : ratio >= srcRatio;
    int srcW = fullWidth ? width : Math.max(1, (int) ((long) im.width() * height / im.height()));
    int srcH = fullHeight ? height : Math.max(1, (int) ((long) im.height() * width / im.width()));
    Planes resized = PilResize.resize(im, srcW, srcH, Filter.LANCZOS);
    Planes res = Planes.black(width, height, im.channels().length);
    res.paste(resized, width / 2 - srcW / 2, height / 2 - srcH / 2);
    if (this == CROP_AND_RESIZE) return res;
    int rw = resized.width();
    int rh = resized.height();
    if (ratio < srcRatio) {
      int fill = height / 2 - srcH / 2;
      if (fill > 0) {
        res.paste(PilResize.resize(resized, width, fill, Filter.BICUBIC, 0, 0, width, 0), 0, 0);
        res.paste(
            PilResize.resize(resized, width, fill, Filter.BICUBIC, 0, rh, width, rh),
            0,
            fill + srcH);
      }
    } else if (ratio > srcRatio) {
      int fill = width / 2 - srcW / 2;
      if (fill > 0) {
        res.paste(PilResize.resize(resized, fill, height, Filter.BICUBIC, 0, 0, 0, height), 0, 0);
        res.paste(
            PilResize.resize(resized, fill, height, Filter.BICUBIC, rw, 0, rw, height),
            fill + srcW,
            0);
      }
    }
    return res;
  }
}
