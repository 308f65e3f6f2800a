package org.altdiffusion.models.vae;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.altdiffusion.engine.Scopes;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' tiled VAE pass ({@code AutoencoderKL.tiled_decode} / {@code tiled_encode}, 0.30.3):
 * the input is cut into square tiles of {@code tileIn} cells that overlap by a quarter, each tile
 * runs through the model on its own (so working memory is that of one tile), and each result tile
 * is blended into its upper and left neighbours over a quarter of {@code tileOut} before the
 * overlap is cut away. Blending is done in place, in diffusers' order (top then left, row by row),
 * so later tiles blend against already-blended neighbours exactly as there.
 */
final class VaeTiles {
  /** diffusers' {@code tile_overlap_factor}. */
  static final double OVERLAP_FACTOR = 0.25;

  private VaeTiles() {}

  /**
   * Runs {@code model} tile by tile over {@code x} and joins the blended results.
   *
   * @param x [B, C, H, W]
   * @param tileIn tile side on the input (cells)
   * @param tileOut tile side of a full tile's result ({@code model} maps tileIn to tileOut)
   * @param model one tile [B, C, h, w] -> [B, C', h * tileOut / tileIn, w * tileOut / tileIn]
   * @return [B, C', ~H * tileOut / tileIn, ~W * tileOut / tileIn]
   */
  static Tensor run(Tensor x, int tileIn, int tileOut, UnaryOperator<Tensor> model) {
    int stride = (int) (tileIn * (1 - OVERLAP_FACTOR));
    int blend = (int) (tileOut * OVERLAP_FACTOR);
    int keep = tileOut - blend;
    if (stride < 1 || blend < 1) {
      throw new IllegalArgumentException(
          "VAE tiling: tiles of " + tileIn + " -> " + tileOut + " cells are too small to overlap");
    }
    long height = x.size(2);
    long width = x.size(3);
    List<List<Tensor>> rows = new ArrayList<>();
    for (long i = 0; i < height; i += stride) {
      List<Tensor> row = new ArrayList<>();
      for (long j = 0; j < width; j += stride) {
        Tensor tile =
            x.narrow(2, i, Math.min(tileIn, height - i))
                .narrow(3, j, Math.min(tileIn, width - j)); // [B, C, <=tileIn, <=tileIn]
        row.add(Scopes.keep(() -> model.apply(tile)));
      }
      rows.add(row);
    }
    TensorVector joinedRows = new TensorVector();
    for (int i = 0; i < rows.size(); i++) {
      List<Tensor> row = rows.get(i);
      TensorVector kept = new TensorVector();
      for (int j = 0; j < row.size(); j++) {
        Tensor tile = row.get(j);
        if (i > 0) blendInto(rows.get(i - 1).get(j), tile, blend, 2);
        if (j > 0) blendInto(row.get(j - 1), tile, blend, 3);
        kept.push_back(
            tile.narrow(2, 0, Math.min(keep, tile.size(2)))
                .narrow(3, 0, Math.min(keep, tile.size(3)))); // [B, C', <=keep, <=keep]
      }
      joinedRows.push_back(torch.cat(kept, 3)); // [B, C', rowHeight, W']
    }
    return torch.cat(joinedRows, 2); // [B, C', H', W']
  }

  /**
   * diffusers' {@code blend_v} (dim 2) / {@code blend_h} (dim 3): the first {@code extent} lines of
   * {@code b} become {@code a}'s last lines weighted {@code 1 - y/extent} plus {@code b}'s weighted
   * {@code y/extent}; {@code b} is changed in place.
   */
  static void blendInto(Tensor a, Tensor b, int extent, int dim) {
    long n = Math.min(Math.min(a.size(dim), b.size(dim)), extent);
    for (long y = 0; y < n; y++) {
      double w = (double) y / n;
      long at = y;
      Scopes.run(
          () -> {
            Tensor line = b.narrow(dim, at, 1); // [B, C, 1, W] or [B, C, H, 1]
            Tensor fromA = a.narrow(dim, a.size(dim) - n + at, 1); // same shape
            line.copy_(fromA.mul(new Scalar(1 - w)).add(line.mul(new Scalar(w))));
          });
    }
  }
}
