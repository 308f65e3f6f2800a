package org.altdiffusion.tiny.recipe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.tiny.data.CaptionPair;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.ImageText;
import org.altdiffusion.train.data.ImageTextSources;
import org.altdiffusion.train.data.MetadataFilter;
import org.altdiffusion.train.data.ParallelText;
import org.junit.jupiter.api.Test;

/** The shapes dataset as training data: --data shapes[:SEED] and the distillation pairs. */
class ShapesTrainingDataTest {
  @Test
  void shapesSpecificationOpensTheTrainingSplitOfThatSeed() throws Exception {
    List<String> problems = new ArrayList<>();
    Dataset<ImageText> seeded =
        ImageTextSources.open(
            "shapes:3", 32, MetadataFilter.NONE, problems, List.of(ShapesTrainingData.SOURCE));
    Dataset<ImageText> direct = ShapesTrainingData.imageText(3, 32);
    assertEquals(ShapesDataset.of(3, Split.TRAIN).size(), seeded.size());
    assertEquals(direct.describe(), seeded.describe());
    assertTrue(seeded.describe().startsWith("shapes dataset (seed 3)"), seeded.describe());
    for (int i : new int[] {0, 401}) {
      assertEquals(direct.get(i).caption(), seeded.get(i).caption());
      assertArrayEquals(direct.get(i).pixels(), seeded.get(i).pixels());
      assertEquals(32, seeded.get(i).size());
    }
    Dataset<ImageText> byDefault =
        ImageTextSources.open(
            "Shapes", 64, MetadataFilter.NONE, problems, List.of(ShapesTrainingData.SOURCE));
    assertEquals(ShapesTrainingData.imageText(0, 64).describe(), byDefault.describe());
    assertEquals(List.of(), problems);
    var notANumber =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ImageTextSources.open(
                    "shapes:x",
                    64,
                    MetadataFilter.NONE,
                    problems,
                    List.of(ShapesTrainingData.SOURCE)));
    assertTrue(
        notANumber.getMessage().contains("SEED 'x' is not a number"), notANumber.getMessage());
  }

  @Test
  void parallelTextIsEveryCaptionPairOfTheTrainingSplit() {
    List<CaptionPair> pairs = ShapesDataset.of(5, Split.TRAIN).captionPairs();
    ParallelText text = ShapesTrainingData.parallelText(5);
    assertEquals(pairs.size(), text.size());
    assertEquals(
        "parallel text: " + pairs.size() + " pairs from shapes dataset (seed 5)", text.describe());
    for (int i : new int[] {0, 17, pairs.size() - 1}) {
      assertEquals(pairs.get(i).english(), text.get(i).english());
      assertEquals(pairs.get(i).text(), text.get(i).text());
      assertEquals(pairs.get(i).language().code(), text.get(i).language());
    }
  }
}
