package org.altdiffusion.server;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.altdiffusion.pipeline.Images;

/**
 * Turning an uploaded init image into the picture img2img starts from: decoded, flattened on white
 * (as AUTOMATIC1111's default img2img background) and fitted to the request's size by one of
 * A1111's resize modes. Resampling is bicubic, halving step by step when shrinking by more than 2x
 * (A1111 uses Lanczos: results differ slightly at the pixel level).
 */
final class InitImages {
  private InitImages() {}

  /**
   * Decodes {@code upload} and fits it to {@code width} x {@code height}; an undecodable image is a
   * 422.
   */
  static BufferedImage prepare(
      ImageInput.Upload upload, int width, int height, Img2ImgRequest.ResizeMode mode) {
    BufferedImage picture;
    try {
      picture = Images.decode(upload.bytes());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("init_images[0]: " + e.getMessage());
    }
    return fit(flatten(picture), width, height, mode);
  }

  static BufferedImage fit(
      BufferedImage img, int width, int height, Img2ImgRequest.ResizeMode mode) {
    return switch (mode) {
      case JUST_RESIZE -> scale(img, width, height);
      case CROP_AND_RESIZE -> cropAndResize(img, width, height);
      case RESIZE_AND_FILL -> resizeAndFill(img, width, height);
    };
  }

  /** RGB, with any transparency composited over white. */
  static BufferedImage flatten(BufferedImage src) {
    BufferedImage out =
        new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, src.getWidth(), src.getHeight());
    g.drawImage(src, 0, 0, null);
    g.dispose();
    return out;
  }

  /** Scaled to cover the target, aspect ratio kept, centred; the overhang is cut off. */
  private static BufferedImage cropAndResize(BufferedImage img, int width, int height) {
    int w = img.getWidth();
    int h = img.getHeight();
    boolean targetWider = (double) width / height > (double) w / h;
    int scaledW = targetWider ? width : Math.max(1, (int) ((long) w * height / h));
    int scaledH = targetWider ? Math.max(1, (int) ((long) h * width / w)) : height;
    BufferedImage scaled = scale(img, scaledW, scaledH);
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.drawImage(scaled, width / 2 - scaledW / 2, height / 2 - scaledH / 2, null);
    g.dispose();
    return out;
  }

  /**
   * Scaled to fit inside the target, aspect ratio kept, centred; the bands beside it repeat its
   * edge rows or columns.
   */
  private static BufferedImage resizeAndFill(BufferedImage img, int width, int height) {
    int w = img.getWidth();
    int h = img.getHeight();
    double targetRatio = (double) width / height;
    double ratio = (double) w / h;
    boolean bandsAboveAndBelow = targetRatio < ratio;
    int scaledW = bandsAboveAndBelow ? width : Math.max(1, (int) ((long) w * height / h));
    int scaledH = bandsAboveAndBelow ? Math.max(1, (int) ((long) h * width / w)) : height;
    BufferedImage scaled = scale(img, scaledW, scaledH);
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    // nearest neighbour: an edge row stretched over a band is that row repeated
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    int x0 = width / 2 - scaledW / 2;
    int y0 = height / 2 - scaledH / 2;
    g.drawImage(scaled, x0, y0, null);
    if (bandsAboveAndBelow) {
      int y1 = y0 + scaledH;
      if (y0 > 0) g.drawImage(scaled, 0, 0, width, y0, 0, 0, scaledW, 1, null);
      if (y1 < height)
        g.drawImage(scaled, 0, y1, width, height, 0, scaledH - 1, scaledW, scaledH, null);
    } else if (targetRatio > ratio) {
      int x1 = x0 + scaledW;
      if (x0 > 0) g.drawImage(scaled, 0, 0, x0, height, 0, 0, 1, scaledH, null);
      if (x1 < width)
        g.drawImage(scaled, x1, 0, width, height, scaledW - 1, 0, scaledW, scaledH, null);
    }
    g.dispose();
    return out;
  }

  /**
   * Bicubic scaling; shrinking by more than 2x goes in halving steps so that no pixel is skipped.
   */
  static BufferedImage scale(BufferedImage img, int width, int height) {
    BufferedImage current = img;
    while (current.getWidth() != width || current.getHeight() != height) {
      int w = current.getWidth() > width ? Math.max(width, current.getWidth() / 2) : width;
      int h = current.getHeight() > height ? Math.max(height, current.getHeight() / 2) : height;
      BufferedImage next = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = next.createGraphics();
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(current, 0, 0, w, h, null);
      g.dispose();
      current = next;
    }
    return current;
  }
}
