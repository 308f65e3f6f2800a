package org.altdiffusion.tiny.recipe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.ImageText;
import org.junit.jupiter.api.Test;

class ShapesImageTextTest {
  @Test
  void everyCombinationIsCaptionedInEveryLanguageAndLanguagesAreBalanced() throws Exception {
    ShapesDataset shapes = ShapesDataset.of(0, Split.TRAIN);
    List<Attributes> order = shapes.combinationOrder();
    Dataset<ImageText> data =
        ShapesTrainingData.imageText(0, shapes.size(), 64, List.of(Language.values()));
    Map<Attributes, Set<Language>> seen = new HashMap<>();
    Map<Language, Integer> perLanguage = new EnumMap<>(Language.class);
    int n = shapes.size();
    for (int i = 0; i < n; i++) {
      Language l = List.of(Language.values()).get((i + i / order.size()) % 18);
      seen.computeIfAbsent(order.get(i % order.size()), k -> EnumSet.noneOf(Language.class)).add(l);
      perLanguage.merge(l, 1, Integer::sum);
    }
    for (var e : seen.entrySet())
      assertEquals(18, e.getValue().size(), e.getKey() + " is captioned in " + e.getValue());
    int min = perLanguage.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
    int max = perLanguage.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertTrue(max - min <= order.size() / 18 + 1, perLanguage.toString());
    // the dataset gives exactly that language's caption for a few samples
    for (int i : new int[] {0, 351, 352, 5000}) {
      Language l = List.of(Language.values()).get((i + i / order.size()) % 18);
      assertEquals(shapes.get(i).caption(l), data.get(i).caption(), "sample " + i);
    }
  }

  @Test
  void englishOnlyAndSubsets() throws Exception {
    Dataset<ImageText> english = ShapesTrainingData.imageText(0, 40, 32, List.of(Language.EN));
    assertEquals(40, english.size());
    assertEquals(
        ShapesDataset.of(0, Split.TRAIN).get(7).englishCaption(), english.get(7).caption());
    assertEquals(32, english.get(7).size());
    assertThrows(
        IllegalArgumentException.class, () -> ShapesTrainingData.imageText(0, 40, 32, List.of()));
  }
}
