package org.altdiffusion.train.tasks;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.image.Alpha;
import org.altdiffusion.image.CenterCrop;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.train.data.ImageText;
import org.bytedeco.pytorch.Tensor;

/**
 * Where ControlNet training finds each example's conditioning image: made from the training picture
 * by a {@link Preprocessor} (canny, scribble, invert), or read from a folder where it has the
 * example's file name (diffusers' {@code conditioning_image_column}). Either way it comes back as
 * training's square crop in [0, 1], as diffusers' conditioning transform ({@code ToTensor}, no
 * normalisation).
 */
public interface ControlConditioning {
  /** [B, 3, S, S] in [0, 1] for the pictures of {@code items}. */
  Tensor images(List<ImageText> items);

  /** What the fingerprint records ("canny:100:200", "folder:/path"). */
  String describe();

  /** The training picture's map by {@code preprocessor}. */
  static ControlConditioning preprocessed(Preprocessor preprocessor, Preprocessor.Settings s) {
    return new ControlConditioning() {
      @Override
      public Tensor images(List<ImageText> items) {
        return stack(items, it -> toUnit(preprocessor.apply(toPicture(it), s)));
      }

      @Override
      public String describe() {
        return preprocessor.cliName()
            + (preprocessor == Preprocessor.CANNY ? ":" + s.low() + ":" + s.high() : "")
            + (preprocessor == Preprocessor.SCRIBBLE ? ":" + s.threshold() : "");
      }
    };
  }

  /**
   * Conditioning images in {@code dir} named as the example's file (its key's last part, any of
   * .png .jpg .jpeg .webp), cropped as the training pictures.
   */
  static ControlConditioning folder(Path dir) {
    if (!Files.isDirectory(dir))
      throw new IllegalArgumentException(
          "--conditioning folder "
              + dir
              + " does not exist; accepted: canny, scribble, invert or"
              + " a folder of conditioning images named as the training pictures");
    return new ControlConditioning() {
      @Override
      public Tensor images(List<ImageText> items) {
        return stack(items, it -> fromFile(dir, it));
      }

      @Override
      public String describe() {
        return "folder:" + dir.toAbsolutePath().normalize();
      }
    };
  }

  private static float[] fromFile(Path dir, ImageText it) {
    String name = Path.of(it.key().replace(':', '/').replace('#', '/')).getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 ? name.substring(0, dot) : name;
    for (String ext : List.of(".png", ".jpg", ".jpeg", ".webp")) {
      Path f = dir.resolve(stem + ext);
      if (!Files.isRegularFile(f)) continue;
      try {
        BufferedImage img =
            Alpha.flatten(ImageDecoder.decode(Files.readAllBytes(f), ImageLimits.TRAINING), 0);
        float[] px = CenterCrop.pixels(img, it.size()); // [3, S, S] in [-1, 1]
        for (int i = 0; i < px.length; i++) px[i] = (px[i] + 1) / 2;
        return px;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read conditioning image " + f, e);
      }
    }
    throw new IllegalArgumentException(
        "no conditioning image for training example "
            + it.key()
            + " in "
            + dir
            + " (expected "
            + stem
            + ".png, .jpg, .jpeg or .webp)");
  }

  /** A training picture [3, S, S] in [-1, 1] back to 8 bits per channel. */
  private static BufferedImage toPicture(ImageText it) {
    if (it.pixels() == null)
      throw new IllegalArgumentException(
          "example " + it.key() + " has no pixels (cached latents cannot feed a preprocessor)");
    int s = it.size();
    int plane = s * s;
    float[] p = it.pixels();
    int[] rgb = new int[plane];
    for (int i = 0; i < plane; i++)
      rgb[i] = to8(p[i]) << 16 | to8(p[plane + i]) << 8 | to8(p[2 * plane + i]);
    BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, s, s, rgb, 0, s);
    return img;
  }

  private static int to8(float v) {
    return (int) Math.max(0, Math.min(255, Math.round((v + 1) * 127.5f)));
  }

  private static float[] toUnit(BufferedImage img) {
    int s = img.getWidth();
    int plane = s * img.getHeight();
    int[] rgb = img.getRGB(0, 0, s, img.getHeight(), null, 0, s);
    float[] out = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      out[i] = ((rgb[i] >> 16) & 255) / 255f;
      out[plane + i] = ((rgb[i] >> 8) & 255) / 255f;
      out[2 * plane + i] = (rgb[i] & 255) / 255f;
    }
    return out;
  }

  private static Tensor stack(
      List<ImageText> items, java.util.function.Function<ImageText, float[]> one) {
    int size = items.get(0).size();
    int plane = 3 * size * size;
    float[] all = new float[items.size() * plane];
    for (int i = 0; i < items.size(); i++)
      System.arraycopy(one.apply(items.get(i)), 0, all, i * plane, plane);
    return Tensors.fromFloats(all, items.size(), 3, size, size); // [B, 3, S, S]
  }
}
