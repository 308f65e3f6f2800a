package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code Downsample2D} with a convolution: 3x3, stride 2, key {@code conv}. With {@code
 * padding == 0} (the VAE encoder) the input is first padded by one zero row at the bottom and one
 * zero column at the right, as the reference does; see {@link #outputSize}.
 */
public final class Downsample2D extends Module {
  public final long channels;
  private final long padding;
  private final Conv2d conv;

  public Downsample2D(long channels, long outChannels, long padding) {
    this.channels = channels;
    this.padding = padding;
    conv = child("conv", new Conv2d(channels, outChannels, 3, 2, padding));
  }

  /**
   * Output height (or width) for an input of {@code size}: ceil(size / 2) with padding 1,
   * floor(size / 2) with the asymmetric padding 0.
   */
  public static long outputSize(long size, long padding) {
    long padded = padding == 0 ? size + 1 : size + 2 * padding;
    return (padded - 3) / 2 + 1;
  }

  /** x [B, C, H, W] -> [B, out, outputSize(H), outputSize(W)]. */
  public Tensor forward(Tensor x) {
    return Scopes.keep(
        () -> {
          Tensor in =
              padding == 0 ? torch.constant_pad_nd(x, 0, 1, 0, 1) : x; // (left, right, top, bottom)
          return conv.forward(in);
        });
  }
}
