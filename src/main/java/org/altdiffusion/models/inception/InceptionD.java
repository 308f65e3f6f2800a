package org.altdiffusion.models.inception;

import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/** torchvision's {@code InceptionD} (Mixed_7a): halves the grid; output 320 + 192 + in channels. */
final class InceptionD extends Module implements InceptionBlock {
  private final BasicConv2d branch3x3a;
  private final BasicConv2d branch3x3b;
  private final BasicConv2d[] branch7x7x3 = new BasicConv2d[4];

  InceptionD(long in) {
    branch3x3a = child("branch3x3_1", new BasicConv2d(in, 192, 1, 1, 0));
    branch3x3b = child("branch3x3_2", new BasicConv2d(192, 320, 3, 2, 0));
    branch7x7x3[0] = child("branch7x7x3_1", new BasicConv2d(in, 192, 1, 1, 0));
    branch7x7x3[1] =
        child("branch7x7x3_2", new BasicConv2d(192, 192, new long[] {1, 7}, 1, new long[] {0, 3}));
    branch7x7x3[2] =
        child("branch7x7x3_3", new BasicConv2d(192, 192, new long[] {7, 1}, 1, new long[] {3, 0}));
    branch7x7x3[3] = child("branch7x7x3_4", new BasicConv2d(192, 192, 3, 2, 0));
  }

  /** [B, in, H, W] -> [B, 512 + in, (H - 3) / 2 + 1, (W - 3) / 2 + 1]. */
  @Override
  public Tensor forward(Tensor x) {
    Tensor b3 = branch3x3b.forward(branch3x3a.forward(x));
    Tensor b7 = x;
    for (BasicConv2d c : branch7x7x3) b7 = c.forward(b7);
    return Pools.concat(b3, b7, Pools.max3x3(x, 2, 0));
  }
}
