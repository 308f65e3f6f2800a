package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

/**
 * The demo LoRA's style: striped pictures keep every attribute readable by the oracle and measure
 * the stripes' contrast; the dataset's own backgrounds measure far below the presence threshold.
 */
class StripesTest {
  private static final ShapeOracle ORACLE = new ShapeOracle();

  @Test
  void stripedPicturesKeepTheirAttributesAndMeasureTheirContrast() {
    ShapesDataset train = ShapesDataset.of(3, Split.TRAIN);
    double minStriped = Double.MAX_VALUE;
    double maxPlain = 0;
    for (int i = 0; i < 352; i++) {
      Sample s = train.get(i);
      BufferedImage striped = Stripes.render(s.scene());
      assertEquals(
          s.attributes(),
          ORACLE.recognize(striped).attributes(),
          "sample " + i + " (" + s.background().key() + ")");
      minStriped = Math.min(minStriped, Stripes.contrast(striped));
      maxPlain = Math.max(maxPlain, Stripes.contrast(s.image()));
      // the shape is drawn as before: where the background is not striped, the pixels are equal
      int[] plain = s.rgb();
      for (int y = 0; y < Scene.SIDE; y++)
        for (int x = 0; x < Stripes.BAND; x++)
          assertEquals(plain[y * Scene.SIDE + x], striped.getRGB(x, y) & 0xffffff);
    }
    System.out.printf(
        "stripes contrast: striped pictures >= %.1f, the dataset's own <= %.1f (threshold %.0f)%n",
        minStriped, maxPlain, Stripes.PRESENT);
    assertTrue(
        minStriped > 0.7 * Stripes.DARKEN, "striped: " + minStriped); // the line fit takes some
    assertTrue(maxPlain < Stripes.PRESENT / 2, "plain: " + maxPlain);
  }
}
