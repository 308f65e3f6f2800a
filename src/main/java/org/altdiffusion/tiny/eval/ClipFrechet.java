package org.altdiffusion.tiny.eval;

import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.eval.FrechetDistance;
import org.altdiffusion.eval.GaussianStatistics;
import org.altdiffusion.tiny.clip.TinyClip;
import org.altdiffusion.tiny.data.Combinations;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * CLIP-FD at demo scale, as clean-fid's CLIP-FID: the Fréchet distance ({@link FrechetDistance})
 * between Gaussians fitted to the teacher CLIP's projected, unnormalised image features ({@link
 * TinyClip#imageFeatures}) of generated pictures and of dataset pictures. The reference is the
 * held-out split rendered, samples {@value Combinations#HELD_OUT} to its end (9 renders of every
 * held-out combination by default); samples 0 to {@value Combinations#HELD_OUT} - 1 show each
 * held-out combination once, as the generated set does, and their distance to the reference is the
 * floor that a perfect model would reach at that sample count (FD is biased upward at small N, and
 * with fewer pictures than feature dimensions the covariance is singular).
 */
public final class ClipFrechet {
  private static final int CHUNK = 64;

  /**
   * @param statistics the reference's mean and covariance
   * @param pictures reference pictures
   * @param floor FD of {@code floorPictures} other dataset pictures (each held-out combination
   *     once) to the reference
   */
  public record Reference(
      GaussianStatistics statistics, int pictures, double floor, int floorPictures) {}

  private ClipFrechet() {}

  /** The reference of the held-out split of dataset seed {@code dataSeed}, and its floor. */
  public static Reference heldOut(TinyClip teacher, long dataSeed) {
    ShapesDataset heldOut = ShapesDataset.of(dataSeed, Split.HELDOUT);
    int n = Combinations.HELD_OUT;
    if (heldOut.size() < 3 * n)
      throw new IllegalStateException("the held-out split has only " + heldOut.size() + " samples");
    List<Sample> reference = heldOut.stream(n, heldOut.size(), false).toList();
    List<Sample> onceEach = heldOut.stream(0, n, false).toList();
    GaussianStatistics stats = statistics(teacher, Sample.stack(reference), reference.size());
    double floor = FrechetDistance.between(statistics(teacher, Sample.stack(onceEach), n), stats);
    return new Reference(stats, reference.size(), floor, n);
  }

  /**
   * The statistics of the teacher's image features of {@code count} pictures.
   *
   * @param pixels [count, 3, 64, 64] floats in [-1, 1]
   */
  public static GaussianStatistics statistics(TinyClip teacher, float[] pixels, int count) {
    int each = 3 * Scene.SIDE * Scene.SIDE;
    if (pixels.length != count * each)
      throw new IllegalArgumentException(
          pixels.length + " pixel values are not " + count + " pictures of 3x64x64");
    int dim = teacher.config().projectionDim();
    float[] features = new float[count * dim];
    for (int from = 0; from < count; from += CHUNK) {
      int b = Math.min(CHUNK, count - from);
      float[] chunk = new float[b * each];
      System.arraycopy(pixels, from * each, chunk, 0, b * each);
      try (PointerScope scope = new PointerScope()) {
        Tensor f =
            teacher.imageFeatures(
                Tensors.fromFloats(chunk, b, 3, Scene.SIDE, Scene.SIDE)); // [b, dim]
        System.arraycopy(Tensors.toFloats(f), 0, features, from * dim, b * dim);
      }
    }
    try (PointerScope scope = new PointerScope()) {
      return GaussianStatistics.of(Tensors.fromFloats(features, count, dim)); // [count, dim]
    }
  }
}
