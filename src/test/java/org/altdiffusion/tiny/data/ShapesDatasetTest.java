package org.altdiffusion.tiny.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShapesDatasetTest {

  @Test
  void defaultSizes() {
    assertEquals(17_600, ShapesDataset.of(0, Split.TRAIN).size());
    assertEquals(704, ShapesDataset.of(0, Split.VALIDATION).size());
    assertEquals(480, ShapesDataset.of(0, Split.HELDOUT).size());
  }

  @Test
  void splitsUseTheirOwnCombinations() {
    ShapesDataset train = ShapesDataset.of(9, Split.TRAIN, 704);
    ShapesDataset validation = ShapesDataset.of(9, Split.VALIDATION);
    ShapesDataset heldout = ShapesDataset.of(9, Split.HELDOUT, 96);
    Combinations c = train.combinations();
    Map<Attributes, Integer> seen = new HashMap<>();
    for (int i = 0; i < train.size(); i++) {
      Sample s = train.get(i);
      assertFalse(c.isHeldOut(s.attributes()), "held-out combination in train: " + s.attributes());
      seen.merge(s.attributes(), 1, Integer::sum);
    }
    // two full cycles: every training combination exactly twice
    assertEquals(352, seen.size());
    assertTrue(seen.values().stream().allMatch(n -> n == 2));
    for (int i = 0; i < validation.size(); i += 7)
      assertFalse(c.isHeldOut(validation.get(i).attributes()));
    Set<Attributes> held = new HashSet<>();
    for (int i = 0; i < heldout.size(); i++) {
      Sample s = heldout.get(i);
      assertTrue(c.isHeldOut(s.attributes()));
      assertEquals(CaptionTemplate.FULL, s.template());
      held.add(s.attributes());
    }
    assertEquals(48, held.size());
  }

  @Test
  void validationIsRenderedAfreshFromTrainingCombinations() {
    ShapesDataset train = ShapesDataset.of(9, Split.TRAIN);
    ShapesDataset validation = ShapesDataset.of(9, Split.VALIDATION);
    assertNotEquals(train.get(0).scene(), validation.get(0).scene());
    assertEquals(CaptionTemplate.FULL, validation.get(0).template());
  }

  @Test
  void trainingTemplatesAreMixedHalfFull() {
    ShapesDataset train = ShapesDataset.of(3, Split.TRAIN, 1200);
    Map<CaptionTemplate, Integer> n = new EnumMap<>(CaptionTemplate.class);
    Map<Background, Integer> backgrounds = new EnumMap<>(Background.class);
    for (int i = 0; i < train.size(); i++) {
      Sample s = train.get(i);
      n.merge(s.template(), 1, Integer::sum);
      backgrounds.merge(s.background(), 1, Integer::sum);
    }
    System.out.println(
        "templates in 1200 training samples: " + n + "; backgrounds: " + backgrounds);
    assertEquals(600, n.get(CaptionTemplate.FULL), 60);
    for (CaptionTemplate t :
        List.of(
            CaptionTemplate.COLOUR_SHAPE,
            CaptionTemplate.SIZE_COLOUR_SHAPE,
            CaptionTemplate.COLOUR_SHAPE_POSITION)) assertEquals(200, n.get(t), 45);
    for (Background b : Background.values()) assertEquals(400, backgrounds.get(b), 60);
  }

  @Test
  void sampleCarriesParallelCaptionsAndPixels() {
    Sample s = ShapesDataset.of(1, Split.TRAIN).get(5);
    assertEquals(18, s.captions().size());
    assertEquals(
        Captions.bundled().caption(Language.EN, s.attributes(), s.template()), s.englishCaption());
    for (Language l : Language.values())
      assertEquals(Captions.bundled().caption(l, s.attributes(), s.template()), s.caption(l));
    float[] px = s.pixels();
    assertEquals(3 * 64 * 64, px.length);
    int p = s.rgb()[64 * 10 + 20];
    assertEquals(((p >> 16) & 255) / 127.5f - 1f, px[64 * 10 + 20]);
    assertEquals(((p >> 8) & 255) / 127.5f - 1f, px[4096 + 64 * 10 + 20]);
    assertEquals((p & 255) / 127.5f - 1f, px[8192 + 64 * 10 + 20]);
    for (float v : px) assertTrue(v >= -1 && v <= 1);
    assertEquals(p, s.image().getRGB(20, 10) & 0xFFFFFF);
    Sample t = ShapesDataset.of(1, Split.TRAIN).get(6);
    float[] batch = Sample.stack(List.of(s, t));
    assertEquals(2 * 3 * 64 * 64, batch.length);
    assertArrayEquals(t.pixels(), java.util.Arrays.copyOfRange(batch, 3 * 64 * 64, batch.length));
  }

  @Test
  void captionPairsCoverTrainingMeaningsOnly() {
    List<CaptionPair> train = ShapesDataset.of(4, Split.TRAIN).captionPairs();
    List<CaptionPair> held = ShapesDataset.of(4, Split.HELDOUT).captionPairs();
    assertEquals(672 * 18, train.size());
    assertEquals(48 * 18, held.size());
    Combinations c = Combinations.of(4);
    Set<String> trainFull = new HashSet<>();
    for (CaptionPair p : train) {
      if (p.template() == CaptionTemplate.FULL) {
        assertFalse(c.isHeldOut(p.attributes()));
        trainFull.add(p.english());
      }
      if (p.language() == Language.EN) assertEquals(p.english(), p.text());
    }
    for (CaptionPair p : held) {
      assertTrue(c.isHeldOut(p.attributes()));
      assertFalse(
          trainFull.contains(p.english()), "held-out prompt among training pairs: " + p.english());
    }
  }

  @Test
  void badRequestsSayWhatIsAccepted() {
    ShapesDataset d = ShapesDataset.of(0, Split.HELDOUT);
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> d.get(480));
    assertEquals("sample 480 of a heldout set of 480", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ShapesDataset.of(0, Split.TRAIN, -1));
    IllegalArgumentException s =
        assertThrows(IllegalArgumentException.class, () -> Split.parse("test"));
    assertEquals("unknown split 'test'; accepted: train, validation, heldout", s.getMessage());
  }
}
