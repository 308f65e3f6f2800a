package org.altdiffusion.models.inception;

import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * torchvision's {@code InceptionA} with pytorch-fid's patch ({@code FIDInceptionA}): its pool
 * branch averages without the zero padding. Output channels 224 + {@code poolFeatures}.
 */
final class InceptionA extends Module implements InceptionBlock {
  private final BasicConv2d branch1x1;
  private final BasicConv2d branch5x5a;
  private final BasicConv2d branch5x5b;
  private final BasicConv2d branch3x3dbl1;
  private final BasicConv2d branch3x3dbl2;
  private final BasicConv2d branch3x3dbl3;
  private final BasicConv2d branchPool;

  InceptionA(long in, long poolFeatures) {
    branch1x1 = child("branch1x1", new BasicConv2d(in, 64, 1, 1, 0));
    branch5x5a = child("branch5x5_1", new BasicConv2d(in, 48, 1, 1, 0));
    branch5x5b = child("branch5x5_2", new BasicConv2d(48, 64, 5, 1, 2));
    branch3x3dbl1 = child("branch3x3dbl_1", new BasicConv2d(in, 64, 1, 1, 0));
    branch3x3dbl2 = child("branch3x3dbl_2", new BasicConv2d(64, 96, 3, 1, 1));
    branch3x3dbl3 = child("branch3x3dbl_3", new BasicConv2d(96, 96, 3, 1, 1));
    branchPool = child("branch_pool", new BasicConv2d(in, poolFeatures, 1, 1, 0));
  }

  /** [B, in, H, W] -> [B, 224 + poolFeatures, H, W]. */
  @Override
  public Tensor forward(Tensor x) {
    Tensor b1 = branch1x1.forward(x);
    Tensor b5 = branch5x5b.forward(branch5x5a.forward(x));
    Tensor b3 = branch3x3dbl3.forward(branch3x3dbl2.forward(branch3x3dbl1.forward(x)));
    Tensor pool = branchPool.forward(Pools.average3x3(x));
    return Pools.concat(b1, b5, b3, pool);
  }
}
