package org.altdiffusion.models.inception;

import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * torchvision's {@code InceptionE} as pytorch-fid patches it: {@code FIDInceptionE_1} (Mixed_7b)
 * averages without the zero padding in its pool branch, {@code FIDInceptionE_2} (Mixed_7c) takes a
 * max pool there (as the TensorFlow graph of the FID weights does). Output 2048 channels.
 */
final class InceptionE extends Module implements InceptionBlock {
  private static final long[] ROW = {1, 3};
  private static final long[] ROW_PAD = {0, 1};
  private static final long[] COLUMN = {3, 1};
  private static final long[] COLUMN_PAD = {1, 0};

  private final boolean maxPool;
  private final BasicConv2d branch1x1;
  private final BasicConv2d branch3x3;
  private final BasicConv2d branch3x3a;
  private final BasicConv2d branch3x3b;
  private final BasicConv2d branch3x3dbl1;
  private final BasicConv2d branch3x3dbl2;
  private final BasicConv2d branch3x3dbla;
  private final BasicConv2d branch3x3dblb;
  private final BasicConv2d branchPool;

  /**
   * @param maxPool true for Mixed_7c (FIDInceptionE_2), false for Mixed_7b (FIDInceptionE_1)
   */
  InceptionE(long in, boolean maxPool) {
    this.maxPool = maxPool;
    branch1x1 = child("branch1x1", new BasicConv2d(in, 320, 1, 1, 0));
    branch3x3 = child("branch3x3_1", new BasicConv2d(in, 384, 1, 1, 0));
    branch3x3a = child("branch3x3_2a", new BasicConv2d(384, 384, ROW, 1, ROW_PAD));
    branch3x3b = child("branch3x3_2b", new BasicConv2d(384, 384, COLUMN, 1, COLUMN_PAD));
    branch3x3dbl1 = child("branch3x3dbl_1", new BasicConv2d(in, 448, 1, 1, 0));
    branch3x3dbl2 = child("branch3x3dbl_2", new BasicConv2d(448, 384, 3, 1, 1));
    branch3x3dbla = child("branch3x3dbl_3a", new BasicConv2d(384, 384, ROW, 1, ROW_PAD));
    branch3x3dblb = child("branch3x3dbl_3b", new BasicConv2d(384, 384, COLUMN, 1, COLUMN_PAD));
    branchPool = child("branch_pool", new BasicConv2d(in, 192, 1, 1, 0));
  }

  /** [B, in, H, W] -> [B, 2048, H, W]. */
  @Override
  public Tensor forward(Tensor x) {
    Tensor b1 = branch1x1.forward(x);
    Tensor h = branch3x3.forward(x);
    Tensor b3 = Pools.concat(branch3x3a.forward(h), branch3x3b.forward(h));
    Tensor d = branch3x3dbl2.forward(branch3x3dbl1.forward(x));
    Tensor dbl = Pools.concat(branch3x3dbla.forward(d), branch3x3dblb.forward(d));
    Tensor pooled = maxPool ? Pools.max3x3(x, 1, 1) : Pools.average3x3(x);
    return Pools.concat(b1, b3, dbl, branchPool.forward(pooled));
  }
}
