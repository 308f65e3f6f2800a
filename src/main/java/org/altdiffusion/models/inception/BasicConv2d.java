package org.altdiffusion.models.inception;

import org.altdiffusion.nn.BatchNorm2d;
import org.altdiffusion.nn.Init;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * torchvision's {@code BasicConv2d}: a bias-free convolution ({@code conv.weight} [out, in, kh,
 * kw], rectangular kernels such as 1x7), batch norm with eps 0.001 ({@code bn.*}) and ReLU.
 */
final class BasicConv2d extends Module {
  private final long[] stride;
  private final long[] padding;
  private final Conv conv;
  private final BatchNorm2d bn;

  /** The bias-free convolution under the key {@code conv}. */
  private static final class Conv extends Module {
    final Parameter weight;
    final long fanIn;

    Conv(long in, long out, long kh, long kw) {
      weight = parameter("weight", out, in, kh, kw);
      fanIn = in * kh * kw;
    }

    @Override
    protected void initializeSelf(Generator g) {
      long[] shape = weight.shape();
      weight.set(Init.fanIn(g, fanIn, shape));
    }
  }

  /** A square kernel with the same stride and padding in both directions. */
  BasicConv2d(long in, long out, long kernel, long stride, long padding) {
    this(in, out, new long[] {kernel, kernel}, stride, new long[] {padding, padding});
  }

  /** A kernel {@code {kh, kw}} padded by {@code {ph, pw}}. */
  BasicConv2d(long in, long out, long[] kernel, long stride, long[] padding) {
    this.stride = new long[] {stride, stride};
    this.padding = padding.clone();
    this.conv = child("conv", new Conv(in, out, kernel[0], kernel[1]));
    this.bn = child("bn", new BatchNorm2d(out, 0.001));
  }

  /** x: [B, in, H, W] -> [B, out, H', W']. */
  Tensor forward(Tensor x) {
    Tensor y =
        torch.conv2d(
            x, conv.weight.get(), new TensorOptional(), stride, padding, new long[] {1, 1}, 1);
    return torch.relu(bn.forward(y));
  }
}
