package org.altdiffusion.tiny.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.Colour;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Position;
import org.altdiffusion.tiny.data.Shape;
import org.altdiffusion.tiny.data.Size;
import org.altdiffusion.tiny.eval.NegativePromptEvaluation.Attribute;
import org.altdiffusion.tiny.eval.NegativePromptEvaluation.Case;
import org.junit.jupiter.api.Test;

class NegativePromptEvaluationTest {
  @Test
  void casesCoverEveryAttributeWithEveryCombinationAndAreGroupedByNegative() {
    List<Case> cases = NegativePromptEvaluation.cases(0, 192);
    List<Attributes> heldOut = TinyEvaluation.heldOut(0);
    Map<Attribute, Integer> perAttribute = new EnumMap<>(Attribute.class);
    for (Case c : cases) {
      perAttribute.merge(c.attribute(), 1, Integer::sum);
      assertTrue(heldOut.contains(c.combination()));
      assertNotEquals(
          c.attribute().valueOf(c.combination()),
          c.otherValue(),
          "the full case's negative names another value: " + c);
      assertTrue(c.attribute().othersAgree(c.other(), c.combination()));
    }
    for (Attribute a : Attribute.values()) assertEquals(48, perAttribute.get(a), a.key());
    // every (combination, attribute) once
    assertEquals(
        192, cases.stream().map(c -> c.combination() + "/" + c.attribute()).distinct().count());
    // ordered by (attribute, named value): pictures sharing a negative prompt are adjacent
    for (int i = 1; i < cases.size(); i++) {
      Case a = cases.get(i - 1), b = cases.get(i);
      assertTrue(
          a.attribute().compareTo(b.attribute()) < 0
              || (a.attribute() == b.attribute()
                  && a.attribute().valueOf(a.combination())
                      <= b.attribute().valueOf(b.combination())),
          a + " before " + b);
    }
    Case redCircle =
        new Case(
            new Attributes(Shape.CIRCLE, Colour.RED, Position.LEFT, Size.LARGE),
            Attribute.COLOUR,
            4);
    assertEquals(Colour.BLUE, redCircle.other().colour());
  }

  @Test
  void countsEachLanguagesCasesAndWritesTheReport() throws Exception {
    Torch.init();
    var options =
        new NegativePromptEvaluation.Options(List.of(Language.EN, Language.DE), 4, 2, 7.5, 0, 0);
    var pipeline = PipelineLoader.load(Path.of("models/altdiffusion-tiny"));
    var result = NegativePromptEvaluation.evaluate(pipeline, options, s -> {});
    assertEquals(2, result.rows().size());
    for (var r : result.rows()) {
      assertEquals(4, r.cases());
      assertTrue(r.both() <= Math.min(r.avoided(), r.othersRight()), r.toString());
      assertTrue(r.avoided() <= r.negativeFound() && r.negativeFound() <= 4, r.toString());
      assertTrue(r.shortHonoured() <= r.shortFound() && r.fullRight() <= r.fullFound());
      int[] byAttribute = r.casesByAttribute();
      assertArrayEquals(new int[] {1, 1, 1, 1}, byAttribute);
    }
    String md = NegativePromptReport.markdown("tiny", result, options);
    assertTrue(md.contains("| de German |") && md.contains("**mean**"), md);
    assertTrue(md.contains("with negative \"red\"") || md.contains("with negative \""), md);
    var chart = NegativePromptReport.chart("tiny", result, options.languages());
    assertTrue(chart.getWidth() >= 640);
    var examples = NegativePromptReport.examples(result, options.languages());
    assertEquals(34 + 4 * (3 * 64 + 2 * 4 + 14), examples.getWidth());
  }

  @Test
  void badOptionsSayWhatIsAccepted() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new NegativePromptEvaluation.Options(List.of(Language.EN), 0, 25, 7.5, 0, 0));
    assertTrue(e.getMessage().contains("cases must be >= 1"), e.getMessage());
  }
}
