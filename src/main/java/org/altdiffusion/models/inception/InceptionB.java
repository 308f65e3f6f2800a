package org.altdiffusion.models.inception;

import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/** torchvision's {@code InceptionB} (Mixed_6a): halves the grid; output 384 + 96 + in channels. */
final class InceptionB extends Module implements InceptionBlock {
  private final BasicConv2d branch3x3;
  private final BasicConv2d branch3x3dbl1;
  private final BasicConv2d branch3x3dbl2;
  private final BasicConv2d branch3x3dbl3;

  InceptionB(long in) {
    branch3x3 = child("branch3x3", new BasicConv2d(in, 384, 3, 2, 0));
    branch3x3dbl1 = child("branch3x3dbl_1", new BasicConv2d(in, 64, 1, 1, 0));
    branch3x3dbl2 = child("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 1, 1));
    branch3x3dbl3 = child("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 2, 0));
  }

  /** [B, in, H, W] -> [B, 480 + in, (H - 3) / 2 + 1, (W - 3) / 2 + 1]. */
  @Override
  public Tensor forward(Tensor x) {
    Tensor b3 = branch3x3.forward(x);
    Tensor dbl = branch3x3dbl3.forward(branch3x3dbl2.forward(branch3x3dbl1.forward(x)));
    return Pools.concat(b3, dbl, Pools.max3x3(x, 2, 0));
  }
}
