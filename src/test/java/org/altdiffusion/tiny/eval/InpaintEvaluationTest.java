package org.altdiffusion.tiny.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.Colour;
import org.altdiffusion.tiny.data.Position;
import org.altdiffusion.tiny.data.Recognition;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.ShapeOracle;
import org.altdiffusion.tiny.data.ShapeRenderer;
import org.junit.jupiter.api.Test;

/** The inpainting evaluation's cases, masks and readings, on the dataset's own pictures. */
class InpaintEvaluationTest {

  @Test
  void casesAreTheHeldOutSideCombinationsWithAContrastingOriginalOpposite() {
    var cases = InpaintEvaluation.cases(0);
    assertFalse(cases.isEmpty());
    assertTrue(cases.stream().noneMatch(a -> a.position() == Position.CENTRE));
    for (Attributes a : cases) {
      Attributes o = InpaintEvaluation.originalFor(a);
      assertNotEquals(a.shape(), o.shape());
      assertNotEquals(a.colour(), o.colour());
      assertNotEquals(a.position(), o.position());
      GrayImage mask = InpaintEvaluation.halfMask(a.position());
      int x = (int) a.position().anchorX();
      int y = (int) a.position().anchorY();
      assertEquals(255, mask.get(x, y), "A's side is repainted");
      assertEquals(0, mask.get((int) o.position().anchorX(), (int) o.position().anchorY()));
    }
  }

  @Test
  void theOracleReadsTheRepaintedHalfAloneAndKeptCountsTheOtherHalf() {
    Attributes want =
        InpaintEvaluation.cases(0).stream()
            .filter(a -> a.colour() != Colour.BLACK)
            .findFirst()
            .orElseThrow();
    Attributes other = InpaintEvaluation.originalFor(want);
    BufferedImage original = ShapeRenderer.render(Scene.nominal(other));
    BufferedImage repainted = ShapeRenderer.render(Scene.nominal(want));
    GrayImage mask = InpaintEvaluation.halfMask(want.position());
    // the repainted half from one picture, the kept half from the original
    BufferedImage result = new BufferedImage(Scene.SIDE, Scene.SIDE, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < Scene.SIDE; y++)
      for (int x = 0; x < Scene.SIDE; x++)
        result.setRGB(x, y, (mask.get(x, y) != 0 ? repainted : original).getRGB(x, y));
    Recognition r = new ShapeOracle().recognize(InpaintEvaluation.repaintedHalfOnly(result, mask));
    assertTrue(r.matches(want), want + " read as " + r.attributes());
    assertEquals(1.0, InpaintEvaluation.kept(original, result, mask));
    assertEquals(0.0, InpaintEvaluation.kept(repainted, invert(original), mask), 0.05);
  }

  private static BufferedImage invert(BufferedImage img) {
    BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), img.getType());
    for (int y = 0; y < img.getHeight(); y++)
      for (int x = 0; x < img.getWidth(); x++) out.setRGB(x, y, ~img.getRGB(x, y) & 0xffffff);
    return out;
  }
}
