package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShapeOracleTest {
  private static final ShapeOracle ORACLE = new ShapeOracle();

  /**
   * One jittered sample of each of the 400 combinations: a full train cycle plus all held-out ones.
   */
  private static List<Sample> everyCombination(long seed) {
    List<Sample> out = new ArrayList<>();
    ShapesDataset train = ShapesDataset.of(seed, Split.TRAIN);
    ShapesDataset heldout = ShapesDataset.of(seed, Split.HELDOUT);
    for (int i = 0; i < 352; i++) out.add(train.get(i));
    for (int i = 0; i < 48; i++) out.add(heldout.get(i));
    return out;
  }

  @Test
  void exactOnCleanPicturesOfEveryCombination() {
    int right = 0;
    int total = 0;
    double minConfidence = 1;
    for (Sample s : everyCombination(11)) {
      Recognition r = ORACLE.recognize(s.rgb());
      assertEquals(
          s.attributes(),
          r.attributes(),
          "sample " + s.index() + " (" + s.split().key() + ", " + s.background().key() + ")");
      right++;
      total++;
      minConfidence = Math.min(minConfidence, r.confidence());
    }
    for (Attributes a : Attributes.all()) {
      Recognition r = ORACLE.recognize(ShapeRenderer.render(Scene.nominal(a)));
      assertEquals(a, r.attributes(), "nominal " + a);
      right++;
      total++;
      minConfidence = Math.min(minConfidence, r.confidence());
    }
    System.out.printf(
        "oracle on clean pictures: %d/%d exact (400 jittered + 400 nominal), lowest confidence"
            + " %.3f%n",
        right, total, minConfidence);
    assertTrue(
        minConfidence > 0.9,
        "clean pictures should be read with high confidence, lowest " + minConfidence);
  }

  @Test
  void robustToMildBlurAndNoise() {
    List<Sample> samples = everyCombination(12);
    int mild = 0;
    for (Sample s : samples)
      if (ORACLE.recognize(degrade(s.rgb(), 1.0, 8, s.index())).matches(s.attributes())) mild++;
    int strong = 0;
    int strongTotal = 0;
    for (int i = 0; i < samples.size(); i += 2) {
      Sample s = samples.get(i);
      strongTotal++;
      if (ORACLE.recognize(degrade(s.rgb(), 1.5, 12, s.index())).matches(s.attributes())) strong++;
    }
    System.out.printf(
        "oracle with blur sigma 1.0 + noise sigma 8: %d/%d exact; blur 1.5 + noise 12: %d/%d%n",
        mild, samples.size(), strong, strongTotal);
    assertEquals(samples.size(), mild, "mild blur and noise must not change any answer");
    assertTrue(strong >= 0.97 * strongTotal, "blur 1.5 + noise 12: " + strong + "/" + strongTotal);
  }

  @Test
  void confidenceDropsForAmbiguousPictures() {
    Attributes a = new Attributes(Shape.STAR, Colour.PURPLE, Position.RIGHT, Size.LARGE);
    // halfway between purple and blue
    int[] rgb = ShapeRenderer.renderRgb(Scene.nominal(a));
    int purple = Colour.PURPLE.rgb();
    int mixed =
        (((Colour.PURPLE.red() + Colour.BLUE.red()) / 2) << 16)
            | (((Colour.PURPLE.green() + Colour.BLUE.green()) / 2) << 8)
            | ((Colour.PURPLE.blue() + Colour.BLUE.blue()) / 2);
    for (int i = 0; i < rgb.length; i++) if ((rgb[i] & 0xFFFFFF) == purple) rgb[i] = mixed;
    Recognition r = ORACLE.recognize(rgb);
    assertEquals(Shape.STAR, r.attributes().shape());
    assertTrue(r.colourConfidence() < 0.1, "colour confidence " + r.colourConfidence());
    assertTrue(r.confidence() < 0.1);
  }

  @Test
  void emptyPictureHasNoShape() {
    int[] grey = new int[64 * 64];
    java.util.Arrays.fill(grey, 0xDDDDDD);
    Recognition r = ORACLE.recognize(grey);
    assertFalse(r.found());
    assertEquals(0, r.confidence());
    assertEquals(
        0, r.correctCount(new Attributes(Shape.CIRCLE, Colour.RED, Position.LEFT, Size.SMALL)));
  }

  @Test
  void countsCorrectAttributes() {
    Attributes a = new Attributes(Shape.HEART, Colour.GREEN, Position.BOTTOM, Size.SMALL);
    Recognition r = ORACLE.recognize(ShapeRenderer.render(Scene.nominal(a)));
    assertEquals(4, r.correctCount(a));
    assertEquals(
        3, r.correctCount(new Attributes(Shape.HEART, Colour.GREEN, Position.TOP, Size.SMALL)));
    assertEquals(32, r.centroidX(), 0.05);
    assertEquals(46, r.centroidY(), 0.05);
    assertEquals(Size.SMALL.scale(), r.scale(), 0.05);
  }

  @Test
  void rejectsPicturesOfTheWrongSize() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ORACLE.recognize(new BufferedImage(128, 64, BufferedImage.TYPE_INT_RGB)));
    assertEquals("the oracle reads 64x64 pictures, got 128x64", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ORACLE.recognize(new int[10]));
  }

  /**
   * Gaussian blur (separable, edges clamped) then independent Gaussian noise per channel, rounded
   * to 8 bits.
   */
  static int[] degrade(int[] rgb, double sigma, double noise, long seed) {
    int side = 64;
    float[][] channels = new float[3][side * side];
    for (int i = 0; i < rgb.length; i++) {
      channels[0][i] = (rgb[i] >> 16) & 255;
      channels[1][i] = (rgb[i] >> 8) & 255;
      channels[2][i] = rgb[i] & 255;
    }
    for (int c = 0; c < 3; c++) channels[c] = ShapeOracle.gaussianBlur(channels[c], sigma);
    Random random = new Random(seed);
    int[] out = new int[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      int p = 0;
      for (int c = 0; c < 3; c++)
        p =
            (p << 8)
                | ShapeRenderer.clamp8(
                    (int) Math.round(channels[c][i] + noise * random.nextGaussian()));
      out[i] = p;
    }
    return out;
  }
}
