package org.altdiffusion.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.io.Npz;
import org.junit.jupiter.api.Test;

/**
 * CLIP scores from a tiny AltCLIP folder (model, XLM-R tokenizer, processor; make_clip_fixtures.py)
 * equal torchmetrics-style scores computed with transformers' AltCLIPProcessor and AltCLIPModel.
 */
class ContrastiveClipScorerTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/clip");

  @Test
  void scoresEqualTransformers() throws Exception {
    ContrastiveClipScorer scorer = ContrastiveClipScorer.load(DIR.resolve("scorer"));
    List<BufferedImage> images = new ArrayList<>();
    for (int i : new int[] {0, 7, 12, 21}) {
      images.add(ImageIO.read(DIR.resolve(String.format("processor/img_%02d.png", i)).toFile()));
    }
    double[] scores =
        scorer.scores(images, List.of("a red circle", "一个红色的圆形", "un grand triangle vert", "赤い円"));
    double[] expected = Npz.read(DIR.resolve("scorer_scores.npz")).get("scores").values();
    for (int i = 0; i < 4; i++) {
      System.out.println("score " + i + ": " + scores[i] + " vs " + expected[i]);
      assertEquals(expected[i], scores[i], 1e-4, "picture " + i);
    }
  }
}
