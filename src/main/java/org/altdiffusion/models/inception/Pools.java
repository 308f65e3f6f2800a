package org.altdiffusion.models.inception;

import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** The pooling and concatenation steps shared by the Inception blocks. */
final class Pools {
  private Pools() {}

  /**
   * 3x3 average pool, stride 1, padding 1, averaging over the pixels inside the picture only
   * ({@code count_include_pad=False}: TensorFlow's pool, pytorch-fid's patch). Keeps [B, C, H, W].
   */
  static Tensor average3x3(Tensor x) {
    return torch.avg_pool2d(
        x,
        new long[] {3, 3},
        new long[] {1, 1},
        new long[] {1, 1},
        false,
        false,
        new LongOptional());
  }

  /** 3x3 max pool with {@code stride} and {@code padding}: [B, C, H, W] -> [B, C, H', W']. */
  static Tensor max3x3(Tensor x, long stride, long padding) {
    return torch.max_pool2d(
        x,
        new long[] {3, 3},
        new long[] {stride, stride},
        new long[] {padding, padding},
        new long[] {1, 1},
        false);
  }

  /** The branches side by side along channels. */
  static Tensor concat(Tensor... branches) {
    return torch.cat(new TensorVector(branches), 1);
  }
}
