package org.altdiffusion.tiny.data;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.altdiffusion.image.Pixels;

/**
 * One picture of the dataset with its captions. The image is rendered when the sample is made.
 *
 * @param split the split it belongs to
 * @param index its index in the dataset
 * @param scene what was drawn (attributes, jitter, background)
 * @param template what the captions say (see {@link ShapesDataset} for how it is drawn)
 * @param captions the caption in each of the 18 languages, parallel (same template), English first
 * @param rgb the pixels, packed 0xRRGGBB, row-major, {@value Scene#SIDE}x{@value Scene#SIDE}
 *     (shared: do not modify; record equality compares this array by identity, compare {@link
 *     #scene()} instead)
 */
public record Sample(
    Split split,
    int index,
    Scene scene,
    CaptionTemplate template,
    Map<Language, String> captions,
    int[] rgb) {
  public Attributes attributes() {
    return scene.attributes();
  }

  public Background background() {
    return scene.background().kind();
  }

  /** The English caption: the teacher's (CLIP) input and the prompt for evaluation. */
  public String englishCaption() {
    return captions.get(Language.EN);
  }

  public String caption(Language language) {
    return captions.get(language);
  }

  /** A fresh copy of the picture. */
  public BufferedImage image() {
    BufferedImage img = new BufferedImage(Scene.SIDE, Scene.SIDE, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, Scene.SIDE, Scene.SIDE, rgb, 0, Scene.SIDE);
    return img;
  }

  /**
   * The picture as [3, 64, 64] floats in [-1, 1] (channel-major, {@code v / 127.5 - 1}: the VAE's
   * input convention, see {@link Pixels}), written into {@code out} at {@code offset}.
   */
  public void pixels(float[] out, int offset) {
    Pixels.normalized(rgb, out, offset);
  }

  /**
   * The pictures of {@code samples} as one [B, 3, 64, 64] float array in [-1, 1], ready for {@code
   * Tensors.fromFloats(v, B, 3, 64, 64)}.
   */
  public static float[] stack(List<Sample> samples) {
    int each = 3 * Scene.SIDE * Scene.SIDE;
    float[] out = new float[samples.size() * each];
    for (int b = 0; b < samples.size(); b++) samples.get(b).pixels(out, b * each);
    return out;
  }

  /** The picture as a new [3, 64, 64] float array in [-1, 1]; see {@link #pixels(float[], int)}. */
  public float[] pixels() {
    float[] out = new float[3 * Scene.SIDE * Scene.SIDE];
    pixels(out, 0);
    return out;
  }
}
