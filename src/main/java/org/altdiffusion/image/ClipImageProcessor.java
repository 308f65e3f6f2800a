package org.altdiffusion.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.io.JsonConfig;

/**
 * transformers' {@code CLIPImageProcessor} (4.44) on 8-bit RGB pictures: the shorter side resized
 * to {@code shortest_edge} by PIL's bicubic filter (the longer to {@code int(edge * long /
 * short)}), the centre {@code crop_size} cut out ({@code (size - crop) // 2} from the top left),
 * then {@code v * rescale_factor} and {@code (v - mean) / std} per channel in float32.
 *
 * @param shortestEdge {@code size.shortest_edge} (or a plain {@code size}), default 224
 * @param cropHeight {@code crop_size.height} (or a plain {@code crop_size}), default 224
 * @param cropWidth {@code crop_size.width}, default 224
 * @param rescaleFactor {@code rescale_factor}, default 1/255
 * @param mean {@code image_mean}, default OpenAI CLIP's
 * @param std {@code image_std}, default OpenAI CLIP's
 */
public record ClipImageProcessor(
    int shortestEdge,
    int cropHeight,
    int cropWidth,
    double rescaleFactor,
    float[] mean,
    float[] std) {
  private static final List<Double> CLIP_MEAN = List.of(0.48145466, 0.4578275, 0.40821073);
  private static final List<Double> CLIP_STD = List.of(0.26862954, 0.26130258, 0.27577711);

  public ClipImageProcessor {
    if (cropHeight < 1 || cropWidth < 1 || shortestEdge < Math.max(cropHeight, cropWidth)) {
      throw new IllegalArgumentException(
          "the crop "
              + cropWidth
              + "x"
              + cropHeight
              + " must fit in the resized picture's shorter side "
              + shortestEdge);
    }
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("image_mean and image_std need 3 values (RGB)");
    }
  }

  /** OpenAI CLIP's processor at {@code size} (resize and crop to it). */
  public static ClipImageProcessor clip(int size) {
    return new ClipImageProcessor(size, size, size, 1 / 255.0, floats(CLIP_MEAN), floats(CLIP_STD));
  }

  /** Reads {@code preprocessor_config.json}; steps it cannot skip are checked, not ignored. */
  public static ClipImageProcessor read(Path json) {
    JsonConfig c = JsonConfig.read(json);
    for (String step : List.of("do_resize", "do_center_crop", "do_rescale", "do_normalize")) {
      if (!c.bool(step, true))
        throw c.error(step, "only the full CLIP preprocessing is supported; accepted: true");
    }
    int resample = c.integer("resample", 3);
    if (resample != 3)
      throw c.error("resample", resample + " is not supported; accepted: 3 (bicubic)");
    int edge = side(c, "size", "shortest_edge", 224);
    int cropHeight = side(c, "crop_size", "height", 224);
    int cropWidth = side(c, "crop_size", "width", 224);
    try {
      return new ClipImageProcessor(
          edge,
          cropHeight,
          cropWidth,
          c.real("rescale_factor", 1 / 255.0),
          floats(c.reals("image_mean", CLIP_MEAN)),
          floats(c.reals("image_std", CLIP_STD)));
    } catch (IllegalArgumentException e) {
      throw new org.altdiffusion.io.CheckpointException(json, e.getMessage());
    }
  }

  /** A plain number (older configs) or the named field of an object. */
  private static int side(JsonConfig c, String key, String field, int fallback) {
    JsonNode n = c.node(key);
    if (n == null || n.isNull()) return fallback;
    if (n.isInt()) return n.intValue();
    JsonConfig o = c.object(key);
    if (!o.has(field)) throw c.error(key, "needs '" + field + "' (or a plain number)");
    return o.integer(field, fallback);
  }

  /** Output size (width, height) of the resize step for a {@code width x height} picture. */
  public int[] resizedSize(int width, int height) {
    int shortSide = Math.min(width, height);
    int longSide = Math.max(width, height);
    int newLong = (int) (shortestEdge * (double) longSide / shortSide); // Python's int(): truncates
    return width <= height ? new int[] {shortestEdge, newLong} : new int[] {newLong, shortestEdge};
  }

  /**
   * The picture after resize and crop, before rescale: [3, cropHeight, cropWidth] values 0..255 in
   * channel-major order.
   */
  public int[] cropped(BufferedImage rgb) {
    return cropped(rgb, false);
  }

  /**
   * {@link #cropped(BufferedImage)}, resizing vertical pass first when asked (Pillow 13's order for
   * some sizes).
   */
  int[] cropped(BufferedImage rgb, boolean verticalFirst) {
    int[] size = resizedSize(rgb.getWidth(), rgb.getHeight());
    Planes planes = Planes.of(rgb);
    Planes resized =
        verticalFirst
            ? PilResize.resizeVerticalFirst(planes, size[0], size[1], PilResize.Filter.BICUBIC)
            : PilResize.resize(planes, size[0], size[1], PilResize.Filter.BICUBIC);
    int top = (size[1] - cropHeight) / 2;
    int left = (size[0] - cropWidth) / 2;
    int[] out = new int[3 * cropHeight * cropWidth];
    for (int c = 0; c < 3; c++) {
      byte[] plane = resized.channels()[c];
      for (int y = 0; y < cropHeight; y++) {
        for (int x = 0; x < cropWidth; x++) {
          out[(c * cropHeight + y) * cropWidth + x] = plane[(y + top) * size[0] + x + left] & 255;
        }
      }
    }
    return out;
  }

  /** {@code pixel_values} of one picture: [3, cropHeight, cropWidth], rescaled and normalised. */
  public float[] pixelValues(BufferedImage rgb) {
    int[] crop = cropped(rgb);
    float[] out = new float[crop.length];
    int plane = cropHeight * cropWidth;
    for (int i = 0; i < crop.length; i++) {
      int c = i / plane;
      float v = (float) (crop[i] * rescaleFactor); // float64 product stored as float32
      out[i] = (v - mean[c]) / std[c];
    }
    return out;
  }

  private static float[] floats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) out[i] = values.get(i).floatValue();
    return out;
  }
}
