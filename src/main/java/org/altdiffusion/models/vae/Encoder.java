package org.altdiffusion.models.vae;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.models.blocks.Downsample2D;
import org.altdiffusion.models.blocks.ResnetBlock2D;
import org.altdiffusion.models.blocks.UNetMidBlock2D;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * The VAE encoder (diffusers {@code vae.Encoder}): {@code conv_in}, {@code down_blocks}
 * (DownEncoderBlock2D: resnets, then a stride-2 conv after asymmetric zero padding except in the
 * last block), {@code mid_block} (resnet, attention, resnet), {@code conv_norm_out}, SiLU, {@code
 * conv_out} to 2 x latent channels (mean and log-variance). All norms use eps 1e-6.
 */
public final class Encoder extends Module {
  static final double EPS = 1e-6;
  private final Conv2d convIn;
  private final ModuleList<DownEncoderBlock2D> downBlocks;
  private final UNetMidBlock2D midBlock;
  private final GroupNorm convNormOut;
  private final Conv2d convOut;

  /** diffusers' {@code DownEncoderBlock2D}: keys {@code resnets.i}, {@code downsamplers.0.conv}. */
  static final class DownEncoderBlock2D extends Module {
    private final ModuleList<ResnetBlock2D> resnets;
    private final Downsample2D downsampler;

    DownEncoderBlock2D(long in, long out, int layers, long groups, boolean addDownsample) {
      resnets = child("resnets", new ModuleList<>());
      for (int i = 0; i < layers; i++)
        resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, EPS, 1.0));
      downsampler =
          addDownsample
              ? child("downsamplers", new ModuleList<Downsample2D>())
                  .add(new Downsample2D(out, out, 0))
              : null;
    }

    /** Adds the block's steps (each resnet, the downsampler) to {@code stages}. */
    void addStages(List<UnaryOperator<Tensor>> stages) {
      for (ResnetBlock2D resnet : resnets) stages.add(h -> resnet.forward(h, null));
      if (downsampler != null) stages.add(downsampler::forward);
    }
  }

  Encoder(AutoencoderKLConfig config) {
    List<Integer> channels = config.blockOutChannels();
    int n = channels.size();
    long groups = config.normNumGroups();
    convIn = child("conv_in", new Conv2d(config.inChannels(), channels.get(0), 3, 1, 1));
    downBlocks = child("down_blocks", new ModuleList<>());
    for (int i = 0; i < n; i++) {
      downBlocks.add(
          new DownEncoderBlock2D(
              channels.get(i == 0 ? 0 : i - 1),
              channels.get(i),
              config.layersPerBlock(),
              groups,
              i < n - 1));
    }
    long top = channels.get(n - 1);
    midBlock =
        child("mid_block", new UNetMidBlock2D(top, groups, EPS, config.midBlockAddAttention()));
    convNormOut = child("conv_norm_out", new GroupNorm(groups, top, EPS));
    convOut = child("conv_out", new Conv2d(top, 2L * config.latentChannels(), 3, 1, 1));
  }

  /** image [B, in, H, W] -> moments [B, 2 * latent, h, w]. */
  Tensor forward(Tensor image) {
    List<UnaryOperator<Tensor>> stages = new ArrayList<>();
    stages.add(convIn::forward);
    for (DownEncoderBlock2D block : downBlocks) block.addStages(stages);
    stages.add(midBlock::forward);
    stages.add(h -> convNormOut.forward(h));
    stages.add(h -> convOut.forward(InPlace.silu(h)));
    return Scopes.chain(image, stages); // intermediates freed as it goes
  }
}
