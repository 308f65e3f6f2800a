package org.altdiffusion.nn;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** 2-D convolution, square kernel; keys {@code weight} [out, in, k, k] and {@code bias} [out]. */
public final class Conv2d extends Module {
  public final long inChannels;
  public final long outChannels;
  public final long kernel;
  public final long stride;
  public final long padding;
  public final Parameter weight;
  public final Parameter bias;

  /** Pad circularly instead of with zeros (A1111's tiling: PyTorch's padding_mode "circular"). */
  private volatile boolean circular;

  public Conv2d(long inChannels, long outChannels, long kernel, long stride, long padding) {
    this(inChannels, outChannels, kernel, stride, padding, true);
  }

  public Conv2d(
      long inChannels, long outChannels, long kernel, long stride, long padding, boolean withBias) {
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.weight = parameter("weight", outChannels, inChannels, kernel, kernel);
    this.bias = withBias ? parameter("bias", outChannels) : null;
  }

  /** Whether this convolution pads circularly (seamless tiling) or with zeros (the default). */
  public void setCircular(boolean on) {
    circular = on;
  }

  public boolean circular() {
    return circular;
  }

  /** x: [B, in, H, W] -> [B, out, H', W']. */
  public Tensor forward(Tensor x) {
    boolean wrap = circular && padding > 0;
    Tensor input =
        wrap
            ? torch.pad(
                x,
                new long[] {padding, padding, padding, padding},
                "circular",
                new DoubleOptional())
            : x; // [B, in, H + 2p, W + 2p] when wrapped
    long pad = wrap ? 0 : padding;
    if (MetaOps.on(input, weight.get()))
      return MetaOps.conv2d(input, weight.get(), bias == null ? null : bias.get(), stride, pad);
    return torch.conv2d(
        input,
        weight.get(),
        bias == null ? new TensorOptional() : new TensorOptional(bias.get()),
        new long[] {stride, stride},
        new long[] {pad, pad},
        new long[] {1, 1},
        1);
  }

  @Override
  protected void initializeSelf(Generator g) {
    long fanIn = inChannels * kernel * kernel;
    weight.set(Init.fanIn(g, fanIn, outChannels, inChannels, kernel, kernel));
    if (bias != null) bias.set(Init.fanIn(g, fanIn, outChannels));
  }
}
