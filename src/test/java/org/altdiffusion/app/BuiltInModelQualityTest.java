package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Recognition;
import org.altdiffusion.tiny.data.ShapeOracle;
import org.altdiffusion.tiny.eval.TinyEvaluation;
import org.junit.jupiter.api.Test;

/**
 * The shipped models draw what a prompt asks (a small slice of `eval`): AltDiffusion-tiny in
 * English, Chinese and Thai, and the English base clearly worse on Chinese. A broken export, a
 * wrong tokenizer or a model of another recipe fails here.
 */
class BuiltInModelQualityTest {
  private static final int COMBINATIONS = 8;

  @Test
  void shippedModelsDrawTheRequestedShapesInSeveralLanguages() {
    DiffusionPipeline tiny = PipelineLoader.load(BuiltInModel.folder());
    DiffusionPipeline base = PipelineLoader.load(BuiltInModel.shipped(BuiltInModel.ENGLISH_BASE));
    for (Language language : List.of(Language.EN, Language.ZH, Language.TH)) {
      double accuracy = accuracy(tiny, language);
      assertTrue(
          accuracy >= 0.8, "altdiffusion-tiny, " + language + ": attribute accuracy " + accuracy);
    }
    assertTrue(accuracy(base, Language.EN) >= 0.8, "english-base in English");
    double baseChinese = accuracy(base, Language.ZH);
    assertTrue(baseChinese <= 0.6, "english-base understands Chinese? accuracy " + baseChinese);
  }

  /**
   * Mean of the shape, colour, position and size accuracies over the first held-out combinations.
   */
  private static double accuracy(DiffusionPipeline pipeline, Language language) {
    List<Attributes> combos = TinyEvaluation.heldOut(0).subList(0, COMBINATIONS);
    List<String> prompts =
        combos.stream()
            .map(a -> Captions.bundled().caption(language, a, CaptionTemplate.FULL))
            .toList();
    var images =
        pipeline.generateEach(
            prompts,
            GenerationRequest.builder("").steps(25).guidance(7.5).seed(0L).size(64, 64).build(),
            null);
    ShapeOracle oracle = new ShapeOracle();
    int right = 0;
    for (int i = 0; i < COMBINATIONS; i++) {
      Recognition r = oracle.recognize(images.get(i).image());
      if (!r.found()) continue;
      Attributes want = combos.get(i);
      Attributes got = r.attributes();
      right +=
          (got.shape() == want.shape() ? 1 : 0)
              + (got.colour() == want.colour() ? 1 : 0)
              + (got.position() == want.position() ? 1 : 0)
              + (got.size() == want.size() ? 1 : 0);
    }
    return right / (4.0 * COMBINATIONS);
  }
}
