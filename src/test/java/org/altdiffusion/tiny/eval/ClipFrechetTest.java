package org.altdiffusion.tiny.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.altdiffusion.eval.FrechetDistance;
import org.altdiffusion.eval.GaussianStatistics;
import org.altdiffusion.tiny.clip.TinyClip;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.altdiffusion.tiny.recipe.QuickRecipe;
import org.junit.jupiter.api.Test;

class ClipFrechetTest {
  @Test
  void aSetAgainstItselfIsNearZeroAndDifferentSetsArePositive() throws Exception {
    TinyClip teacher = TinyClip.load(QuickRecipe.folder().resolve("teacher-clip"));
    List<Sample> a = ShapesDataset.of(0, Split.HELDOUT).stream(0, 48, false).toList();
    List<Sample> b = ShapesDataset.of(0, Split.TRAIN).stream(0, 48, false).toList();
    GaussianStatistics sa = ClipFrechet.statistics(teacher, Sample.stack(a), a.size());
    assertEquals(teacher.config().projectionDim(), sa.dim());
    assertEquals(48, sa.count());
    double self = FrechetDistance.between(sa, sa);
    GaussianStatistics sb = ClipFrechet.statistics(teacher, Sample.stack(b), b.size());
    double other = FrechetDistance.between(sa, sb);
    // 48 samples in 128 dimensions: singular covariances, still ~0 against itself
    assertEquals(0, self, 1e-6 * Math.max(1, other), "self " + self + ", other " + other);
    assertTrue(Double.isFinite(other) && other > 1e-3, "other " + other);
  }

  @Test
  void theReferenceIsTheHeldOutSplitBeyondTheFirstWindowWithAPositiveFloor() throws Exception {
    TinyClip teacher = TinyClip.load(QuickRecipe.folder().resolve("teacher-clip"));
    ClipFrechet.Reference ref = ClipFrechet.heldOut(teacher, 0);
    assertEquals(480 - 48, ref.pictures());
    assertEquals(48, ref.floorPictures());
    assertEquals(ref.pictures(), ref.statistics().count());
    assertTrue(Double.isFinite(ref.floor()) && ref.floor() > 0, "floor " + ref.floor());
  }

  @Test
  void picturesOfTheWrongSizeAreRefused() throws Exception {
    TinyClip teacher = TinyClip.load(QuickRecipe.folder().resolve("teacher-clip"));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClipFrechet.statistics(teacher, new float[3 * 64 * 64 * 2 + 1], 2));
    assertTrue(e.getMessage().contains("3x64x64"), e.getMessage());
  }
}
