package org.altdiffusion.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Npz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIPImageProcessor (transformers 4.44.2, Pillow 13) on 22 pictures of odd sizes, smaller and
 * larger than the resize target (make_clip_fixtures.py): the resized and cropped pixels within
 * 1/255 of the reference before normalisation, the normalised values within the same step.
 */
class ClipImageProcessorTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/clip/processor");

  /**
   * Pictures Pillow resized horizontal pass first (as our {@link PilResize}, Pillow up to 12):
   * within 1/255. Pillow 13 runs the vertical pass first for some sizes (the fixture records
   * which); the 8-bit rounding and clipping between the passes then differ, by a few levels next to
   * 0 and 255.
   */
  @Test
  void equalsTransformersOnOddSizes() throws Exception {
    ClipImageProcessor p = ClipImageProcessor.read(DIR.resolve("preprocessor_config.json"));
    assertEquals(70, p.shortestEdge());
    Map<String, Npz.Array> ref = Npz.read(DIR.resolve("processed.npz"));
    int sameOrder = 0;
    for (int i = 0; i < 22; i++) {
      String n = String.format("%02d", i);
      boolean verticalFirst = ref.get("vertical_first_" + n).scalar() == 1;
      int levels = 1;
      BufferedImage img = ImageIO.read(DIR.resolve("img_" + n + ".png").toFile());
      int[] crop = p.cropped(img, verticalFirst);
      double[] expected = ref.get("crop_" + n).values();
      assertEquals(expected.length, crop.length, n);
      int worst = 0;
      for (int j = 0; j < crop.length; j++)
        worst = Math.max(worst, Math.abs(crop[j] - (int) expected[j]));
      assertTrue(worst <= levels, "picture " + n + ": max difference " + worst + "/255");
      if (!verticalFirst) {
        float[] values = p.pixelValues(img);
        double[] refValues = ref.get("pixel_values_" + n).values();
        for (int j = 0; j < values.length; j++) {
          double step = levels / 255.0 / p.std()[j / (64 * 64)];
          assertEquals(refValues[j], values[j], step + 1e-6, n + " value " + j);
        }
        sameOrder++;
      }
      System.out.println(
          n
              + " "
              + img.getWidth()
              + "x"
              + img.getHeight()
              + (verticalFirst ? " (Pillow: vertical first)" : "")
              + ": max |diff| "
              + worst
              + "/255");
    }
    assertTrue(sameOrder >= 20, sameOrder + " pictures resized in our pass order");
  }

  @Test
  void resizesTheShortSideAsTransformers() {
    ClipImageProcessor p = ClipImageProcessor.clip(224);
    assertArrayEquals(new int[] {224, 298}, p.resizedSize(300, 400)); // int(224 * 400 / 300) = 298
    assertArrayEquals(new int[] {336, 224}, p.resizedSize(641, 427)); // int(336.26...) = 336
  }

  @Test
  void readsOldPlainNumberConfigsAndRefusesOtherFilters(@TempDir Path tmp) throws Exception {
    Path old = tmp.resolve("old.json");
    Files.writeString(old, "{\"size\": 224, \"crop_size\": 224, \"resample\": 3}");
    ClipImageProcessor p = ClipImageProcessor.read(old);
    assertEquals(224, p.shortestEdge());
    assertEquals(224, p.cropWidth());
    Path nearest = tmp.resolve("nearest.json");
    Files.writeString(nearest, "{\"resample\": 0}");
    var e = assertThrows(CheckpointException.class, () -> ClipImageProcessor.read(nearest));
    assertTrue(e.getMessage().contains("resample"), e.getMessage());
  }
}
