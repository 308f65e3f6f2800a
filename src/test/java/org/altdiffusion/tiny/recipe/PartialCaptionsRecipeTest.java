package org.altdiffusion.tiny.recipe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.altdiffusion.tiny.data.Language;
import org.junit.jupiter.api.Test;

/** The recipe's partial-caption share reaches the data of the stages that read captions. */
class PartialCaptionsRecipeTest {
  @Test
  void shareZeroIsTodaysTrainingDataAndAShareMixesPartialCaptionsIn() throws Exception {
    List<Language> all = List.of(Language.values());
    var today = ShapesTrainingData.imageText(0, 400, 64, all, false);
    var zero = ShapesTrainingData.imageText(0, 400, 64, all, false, 0);
    var mixed = ShapesTrainingData.imageText(0, 400, 64, all, false, 0.3);
    assertEquals(today.describe(), zero.describe());
    int changed = 0;
    for (int i = 0; i < 400; i++) {
      assertEquals(today.get(i).caption(), zero.get(i).caption());
      assertArrayEquals(today.get(i).pixels(), mixed.get(i).pixels());
      if (!today.get(i).caption().equals(mixed.get(i).caption())) changed++;
    }
    assertTrue(changed > 80 && changed < 160, changed + " of 400 captions changed at 30%");
    assertTrue(mixed.describe().endsWith(", 30% partial"), mixed.describe());
    var pairs = ShapesTrainingData.parallelText(0);
    assertEquals(pairs.describe(), ShapesTrainingData.parallelText(0, 0).describe());
    assertTrue(ShapesTrainingData.parallelText(0, 0.3).size() > pairs.size());
  }

  @Test
  void dataSpecificationTakesSeedShareAndPictures() throws Exception {
    var data = ShapesTrainingData.SOURCE.open("0:0.3:400", 64);
    assertEquals(400, data.size());
    assertEquals(
        ShapesTrainingData.imageText(0, 400, 64, List.of(Language.values()), false, 0.3)
            .get(7)
            .caption(),
        data.get(7).caption());
    assertEquals(17_600, ShapesTrainingData.SOURCE.open("0", 64).size());
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> ShapesTrainingData.SOURCE.open("0:lots", 64));
    assertTrue(e.getMessage().contains("PARTIAL 'lots' is not a number"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> ShapesTrainingData.SOURCE.open("0:0:0", 64));
    assertTrue(e.getMessage().contains("PICTURES must be 1..17600"), e.getMessage());
  }

  @Test
  void settingsCarryTheShare() {
    assertEquals(0, RecipeSettings.full().partialCaptions());
    assertEquals(0.3, RecipeSettings.full().withPartialCaptions(0.3).partialCaptions());
    assertEquals(
        RecipeSettings.full().quality(), RecipeSettings.full().withPartialCaptions(0.3).quality());
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> RecipeSettings.full().withPartialCaptions(1.5));
    assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
  }
}
