package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ShapeRendererTest {

  @Test
  void coverageIntegratesToTheExactArea() {
    for (Shape s : Shape.values()) {
      for (double rotation : new double[] {0, 7.5, -12}) {
        double scale = 10.3;
        float[] c =
            ShapeGeometry.coverage(
                s, 31.7, 30.2, scale, rotation, Scene.SIDE, ShapeRenderer.ROW_SAMPLES);
        double sum = 0;
        for (float v : c) {
          assertTrue(v >= 0 && v <= 1.0001f, "coverage out of [0, 1]: " + v);
          sum += v;
        }
        double exact = ShapeGeometry.unitArea(s) * scale * scale;
        assertEquals(exact, sum, exact * 0.002, s + " at " + rotation + " degrees");
      }
    }
  }

  @Test
  void shapesAreCentredOnTheirCentroid() {
    for (Shape s : Shape.values()) {
      float[] c = ShapeGeometry.coverage(s, 32, 32, 12, 0, Scene.SIDE, ShapeRenderer.ROW_SAMPLES);
      double sum = 0;
      double sx = 0;
      double sy = 0;
      for (int i = 0; i < c.length; i++) {
        sum += c[i];
        sx += c[i] * (i % Scene.SIDE + 0.5);
        sy += c[i] * (i / Scene.SIDE + 0.5);
      }
      assertEquals(32, sx / sum, 0.02, s + " centroid x");
      assertEquals(32, sy / sum, 0.02, s + " centroid y");
    }
  }

  @Test
  void theLargestShapeAtTheWorstJitterStaysInsideTheFrame() {
    double scale = Size.LARGE.scale() * (1 + Scene.MAX_SCALE_CHANGE);
    for (Shape s : Shape.values()) {
      for (Position p : Position.values()) {
        for (double shift : new double[] {-Scene.MAX_SHIFT, Scene.MAX_SHIFT}) {
          for (double rotation :
              new double[] {-Scene.MAX_ROTATION_DEGREES, 0, Scene.MAX_ROTATION_DEGREES}) {
            float[] c =
                ShapeGeometry.coverage(
                    s,
                    p.anchorX() + shift,
                    p.anchorY() + shift,
                    scale,
                    rotation,
                    Scene.SIDE,
                    ShapeRenderer.ROW_SAMPLES);
            double sum = 0;
            for (float v : c) sum += v;
            double exact = ShapeGeometry.unitArea(s) * scale * scale;
            // a clipped shape would lose area (the tolerance is the row sampling's, 16 lines per
            // pixel)
            assertEquals(
                exact,
                sum,
                exact * 0.005,
                s + " " + p + " shift " + shift + " rotation " + rotation);
          }
        }
      }
    }
  }

  @Test
  void backgroundsAreLightAndNearlyGreyEverywhere() {
    SplitMix rng = new SplitMix(3);
    for (int k = 0; k < 300; k++) {
      Background kind = Background.values()[k % 3];
      double[] bg = ShapeRenderer.background(Scene.BackgroundSpec.random(kind, rng), Scene.SIDE);
      for (int i = 0; i < bg.length; i += 3) {
        double min = Math.min(bg[i], Math.min(bg[i + 1], bg[i + 2]));
        double max = Math.max(bg[i], Math.max(bg[i + 1], bg[i + 2]));
        assertTrue(
            min >= 180 && max <= 255,
            kind + " channel out of the light range: " + min + ".." + max);
        assertTrue(max - min <= 16.001, kind + " background too colourful: spread " + (max - min));
        // the oracle's foreground test must never fire on a background pixel
        assertTrue(max - min <= ShapeOracle.GREY_SPREAD_MAX && min >= ShapeOracle.LIGHT_MIN);
      }
    }
  }

  @Test
  void everyJitteredFillIsForegroundToTheOracle() {
    int d = Scene.MAX_COLOUR_CHANGE;
    for (Colour c : Colour.values()) {
      for (int corner = 0; corner < 8; corner++) {
        int r = c.red() + ((corner & 1) == 0 ? -d : d);
        int g = c.green() + ((corner & 2) == 0 ? -d : d);
        int b = c.blue() + ((corner & 4) == 0 ? -d : d);
        int spread = Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b));
        int min = Math.min(r, Math.min(g, b));
        // with a wide margin: twice the grey spread, or 50 levels darker than any background-like
        // pixel
        assertTrue(
            spread > 2 * ShapeOracle.GREY_SPREAD_MAX || min < ShapeOracle.LIGHT_MIN - 50,
            c + " could pass for a background");
      }
    }
  }

  @Test
  void referenceColoursAreWellSeparated() {
    double closest = Double.POSITIVE_INFINITY;
    for (Colour a : Colour.values())
      for (Colour b : Colour.values())
        if (a.ordinal() < b.ordinal())
          closest = Math.min(closest, Math.sqrt(a.distanceSquared(b.red(), b.green(), b.blue())));
    System.out.printf("closest pair of reference colours: %.1f apart in RGB%n", closest);
    assertTrue(closest > 80, "reference colours too close: " + closest);
  }

  @Test
  void samePictureEveryTimeAndOnEveryJvm() {
    ShapesDataset a = ShapesDataset.of(123, Split.TRAIN, 40);
    ShapesDataset b = ShapesDataset.of(123, Split.TRAIN, 40);
    CRC32 crc = new CRC32();
    for (int i = 0; i < 40; i++) {
      int[] x = a.get(i).rgb();
      assertArrayEquals(x, b.get(i).rgb(), "sample " + i);
      for (int p : x) crc.update(new byte[] {(byte) (p >> 16), (byte) (p >> 8), (byte) p});
    }
    // pinned: the renderer is pure double arithmetic with StrictMath and our own SplitMix64, so
    // this checksum must not change across JVMs; it changes only when the dataset itself changes
    assertEquals(1704616567L, crc.getValue(), "pixel checksum of seed 123, train 0..39");
  }

  @Test
  void differentSeedsDrawDifferentPictures() {
    assertFalse(
        java.util.Arrays.equals(
            ShapesDataset.of(1, Split.TRAIN).get(0).rgb(),
            ShapesDataset.of(2, Split.TRAIN).get(0).rgb()));
  }

  @Test
  void nominalSceneHasThePaletteColourAtItsCentre() {
    for (Colour c : Colour.values()) {
      int[] rgb =
          ShapeRenderer.renderRgb(
              Scene.nominal(new Attributes(Shape.SQUARE, c, Position.CENTRE, Size.LARGE)));
      assertEquals(c.rgb(), rgb[32 * Scene.SIDE + 32] & 0xFFFFFF, c.key());
      assertEquals(0xE0E0E0, rgb[0] & 0xFFFFFF, "corner is the grey background");
    }
  }
}
