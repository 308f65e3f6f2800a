package org.altdiffusion.tiny.tokenizers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipBpeTrainerTest {
  @Test
  void mergesTheMostFrequentPairFirstAndTiesByText() {
    ClipBpeTrainer.Vocabulary v =
        ClipBpeTrainer.train(
            List.of("low low low lower", "newest newest"), new ClipBpeTrainer.Options(3, 2));
    // pairs: "l o" 4, "o w</w>" 3, "w e" 3, "n e" 2, "e w" 2, "e s" 2, "s t</w>" 2, "o w" 1, "e
    // r</w>" 1
    assertArrayEquals(new String[] {"l", "o"}, v.merges().get(0));
    // now "lo w</w>" 3 and "w e" 3 tie: the text that sorts first wins
    assertArrayEquals(new String[] {"lo", "w</w>"}, v.merges().get(1));
    assertArrayEquals(new String[] {"w", "e"}, v.merges().get(2));
    assertEquals(256 * 2 + 3 + 2, v.size());
    assertEquals("lo", v.tokens().get(512));
    assertEquals(ClipBpeTrainer.END_OF_TEXT, v.tokens().get(v.size() - 1));
  }

  @Test
  void trainedFilesTokenizeCorpusWordsWhole(@TempDir Path dir) {
    List<String> corpus =
        List.of("a red circle", "a blue square", "an orange circle on the left", "a red square");
    TinyTokenizers.writeEnglish(dir, corpus, ClipBpeTrainer.Options.defaults(), 16);
    ClipTokenizer t = ClipTokenizer.load(dir);
    assertEquals(List.of("a</w>", "red</w>", "circle</w>"), t.tokenize("A red circle"));
    assertEquals(List.of("o", "n</w>"), t.tokenize("on")); // seen once: not merged whole
    assertEquals(16, t.encode("a red circle").ids().length);
  }

  @Test
  void badOptionsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ClipBpeTrainer.Options(-1, 2));
    assertThrows(IllegalArgumentException.class, () -> new ClipBpeTrainer.Options(10, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> ClipBpeTrainer.train(List.of("  "), ClipBpeTrainer.Options.defaults()));
  }
}
