package org.altdiffusion.models.inception;

import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * torchvision's {@code InceptionC} with pytorch-fid's patch ({@code FIDInceptionC}): factorised 1x7
 * / 7x1 convolutions, and a pool branch that averages without the zero padding. Output 768
 * channels.
 */
final class InceptionC extends Module implements InceptionBlock {
  private static final long[] ROW = {1, 7};
  private static final long[] ROW_PAD = {0, 3};
  private static final long[] COLUMN = {7, 1};
  private static final long[] COLUMN_PAD = {3, 0};

  private final BasicConv2d branch1x1;
  private final BasicConv2d[] branch7x7 = new BasicConv2d[3];
  private final BasicConv2d[] branch7x7dbl = new BasicConv2d[5];
  private final BasicConv2d branchPool;

  InceptionC(long in, long channels7x7) {
    long c = channels7x7;
    branch1x1 = child("branch1x1", new BasicConv2d(in, 192, 1, 1, 0));
    branch7x7[0] = child("branch7x7_1", new BasicConv2d(in, c, 1, 1, 0));
    branch7x7[1] = child("branch7x7_2", new BasicConv2d(c, c, ROW, 1, ROW_PAD));
    branch7x7[2] = child("branch7x7_3", new BasicConv2d(c, 192, COLUMN, 1, COLUMN_PAD));
    branch7x7dbl[0] = child("branch7x7dbl_1", new BasicConv2d(in, c, 1, 1, 0));
    branch7x7dbl[1] = child("branch7x7dbl_2", new BasicConv2d(c, c, COLUMN, 1, COLUMN_PAD));
    branch7x7dbl[2] = child("branch7x7dbl_3", new BasicConv2d(c, c, ROW, 1, ROW_PAD));
    branch7x7dbl[3] = child("branch7x7dbl_4", new BasicConv2d(c, c, COLUMN, 1, COLUMN_PAD));
    branch7x7dbl[4] = child("branch7x7dbl_5", new BasicConv2d(c, 192, ROW, 1, ROW_PAD));
    branchPool = child("branch_pool", new BasicConv2d(in, 192, 1, 1, 0));
  }

  /** [B, in, H, W] -> [B, 768, H, W]. */
  @Override
  public Tensor forward(Tensor x) {
    Tensor b1 = branch1x1.forward(x);
    Tensor b7 = chain(branch7x7, x);
    Tensor dbl = chain(branch7x7dbl, x);
    Tensor pool = branchPool.forward(Pools.average3x3(x));
    return Pools.concat(b1, b7, dbl, pool);
  }

  private static Tensor chain(BasicConv2d[] convs, Tensor x) {
    Tensor h = x;
    for (BasicConv2d c : convs) h = c.forward(h);
    return h;
  }
}
