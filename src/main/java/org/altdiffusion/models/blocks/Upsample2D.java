package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Module;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongArrayRef;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code Upsample2D} with a convolution: nearest-neighbour resize (twice the size, or
 * the size of the skip connection it will meet), then a 3x3 conv, key {@code conv}.
 */
public final class Upsample2D extends Module {
  public final long channels;
  private final Conv2d conv;

  public Upsample2D(long channels, long outChannels) {
    this.channels = channels;
    conv = child("conv", new Conv2d(channels, outChannels, 3, 1, 1));
  }

  /**
   * x [B, C, H, W] -> [B, out, H', W'] with (H', W') = {@code size} when given (the UNet passes it
   * when the input size is not a multiple of its total downscale), else (2H, 2W).
   */
  public Tensor forward(Tensor x, long[] size) {
    return Scopes.keep(
        () -> {
          long[] target = size != null ? size : new long[] {2 * x.size(2), 2 * x.size(3)};
          // No scale factors: libtorch derives the source index from in/out sizes, as
          // F.interpolate(size=...) does.
          Tensor up =
              torch.upsample_nearest2d(
                  x,
                  new LongArrayRef(new LongPointer(target), 2),
                  new DoubleOptional(),
                  new DoubleOptional());
          return conv.forward(up);
        });
  }
}
