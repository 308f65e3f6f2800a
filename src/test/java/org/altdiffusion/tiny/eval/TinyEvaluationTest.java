package org.altdiffusion.tiny.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.tiny.clip.TinyClip;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.tiny.recipe.QuickRecipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyEvaluationTest {
  @Test
  void countsEveryHeldOutCombinationPerLanguageAndWritesTheReport(@TempDir Path tmp)
      throws Exception {
    Path out = QuickRecipe.folder();
    var clip = MultilingualClip.load(out.resolve("teacher-clip"), out.resolve("altdiffusion-tiny"));
    var options = new TinyEvaluation.Options(List.of(Language.EN, Language.TH), 2, 7.5, 0, 0);
    var result =
        TinyEvaluation.evaluate(
            "tiny", PipelineLoader.load(out.resolve("altdiffusion-tiny")), clip, options, s -> {});
    assertEquals(2, result.rows().size());
    for (var row : result.rows()) {
      assertEquals(48, row.images());
      assertTrue(row.found() <= row.images() && row.allFour() <= row.shape());
      assertTrue(row.clipScore() >= 0 && row.clipScore() <= 100, "CLIP score " + row.clipScore());
      assertTrue(Double.isFinite(row.clipFd()) && row.clipFd() > 0, "CLIP-FD " + row.clipFd());
      assertEquals(48, result.pictures().get(row.language()).size());
    }
    String md = EvalReport.markdown(List.of(result), options, 48);
    assertTrue(
        md.contains("| en English |") && md.contains("| th Thai |") && md.contains("**mean**"), md);
    assertTrue(
        md.contains("| language | images | CLIP score | FID | IS | CLIP-FD |")
            && md.contains(
                String.format(
                    java.util.Locale.ROOT,
                    "| th | 48 | %.2f | n/a | n/a | %.2f |",
                    result.row(Language.TH).clipScore(),
                    result.row(Language.TH).clipFd()))
            && md.contains("compares 48 generated pictures with 432"),
        md);
    Path chart = tmp.resolve("chart.png");
    EvalReport.writePng(EvalReport.barChart(List.of(result), options.languages()), chart);
    assertTrue(ImageIO.read(chart.toFile()).getWidth() >= 640);
    var grid = EvalReport.grid(result, options.languages(), TinyEvaluation.heldOut(0), 6);
    assertEquals(40 + 2 * (64 + 14), grid.getHeight());
  }

  @Test
  void aSubsetSpreadsEachLanguageAndCoversDifferentCombinationsAcrossLanguages() {
    List<Language> all = List.of(Language.values());
    var two = new TinyEvaluation.Options(all, 10, 7.5, 0, 0, "Euler", null, 2);
    java.util.Set<Object> seen = new java.util.HashSet<>();
    for (int k = 0; k < all.size(); k++) {
      var combos = TinyEvaluation.evaluated(two, k);
      assertEquals(2, combos.size());
      assertNotEquals(combos.get(0).shape(), combos.get(1).shape(), "language " + k);
      seen.addAll(combos);
    }
    assertEquals(36, seen.size()); // 18 x 2 slots over 48: all different
    var full = new TinyEvaluation.Options(all, 10, 7.5, 0, 0, null, null, 0);
    assertEquals(TinyEvaluation.heldOut(0), TinyEvaluation.evaluated(full, 5));
    assertThrows(
        IllegalArgumentException.class,
        () -> new TinyEvaluation.Options(all, 10, 7.5, 0, 0, null, null, 1));
  }

  @Test
  void heldOutCombinationsAreThoseOfTheDataset() {
    assertEquals(
        ShapesDataset.of(0, Split.HELDOUT).combinations().heldOut(), TinyEvaluation.heldOut(0));
    assertEquals(48, TinyEvaluation.heldOut(0).size());
  }

  @Test
  void clipScoreIsHundredTimesThePositiveCosineOfTeacherImageAndStudentText() throws Exception {
    Path out = QuickRecipe.folder();
    TinyClip teacher = TinyClip.load(out.resolve("teacher-clip"));
    var student =
        org.altdiffusion.models.text.RobertaSeriesModelWithTransformation.fromPretrained(
            out.resolve("altdiffusion-tiny/text_encoder"));
    var tokenizer =
        org.altdiffusion.tokenizer.PromptTokenizer.load(out.resolve("altdiffusion-tiny/tokenizer"));
    var clip = new MultilingualClip(teacher, student, tokenizer);
    var samples =
        List.of(
            ShapesDataset.of(0, Split.VALIDATION).get(0),
            ShapesDataset.of(0, Split.VALIDATION).get(1));
    float[] pixels = org.altdiffusion.tiny.data.Sample.stack(samples);
    List<String> captions =
        List.of(samples.get(0).caption(Language.DE), samples.get(1).caption(Language.JA));
    double[] scores = clip.scores(pixels, captions);
    try (var g = new org.bytedeco.pytorch.NoGradGuard()) {
      float[] image =
          org.altdiffusion.engine.Tensors.toFloats(
              teacher.encodeImage(
                  org.altdiffusion.engine.Tensors.fromFloats(pixels, 2, 3, 64, 64)));
      for (int i = 0; i < 2; i++) {
        var e = tokenizer.encode(captions.get(i));
        var ids = org.altdiffusion.engine.Tensors.fromLongs(e.ids(), 1, e.ids().length);
        var mask = org.altdiffusion.engine.Tensors.fromLongs(e.attentionMask(), 1, e.ids().length);
        float[] text =
            org.altdiffusion.engine.Tensors.toFloats(
                teacher.projectPooledText(student.pooled(ids, mask)));
        double cos = 0;
        for (int d = 0; d < text.length; d++) cos += text[d] * image[i * text.length + d];
        assertEquals(100 * Math.max(cos, 0), scores[i], 1e-3);
      }
    }
  }
}
