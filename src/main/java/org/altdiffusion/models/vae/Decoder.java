package org.altdiffusion.models.vae;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.models.blocks.ResnetBlock2D;
import org.altdiffusion.models.blocks.UNetMidBlock2D;
import org.altdiffusion.models.blocks.Upsample2D;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * The VAE decoder (diffusers {@code vae.Decoder}): {@code conv_in} from latent channels, {@code
 * mid_block}, {@code up_blocks} (UpDecoderBlock2D: layers_per_block + 1 resnets, then nearest 2x
 * upsampling and a conv except in the last block), {@code conv_norm_out}, SiLU, {@code conv_out}.
 * All norms use eps 1e-6.
 */
public final class Decoder extends Module {
  private final Conv2d convIn;
  private final UNetMidBlock2D midBlock;
  private final ModuleList<UpDecoderBlock2D> upBlocks;
  private final GroupNorm convNormOut;
  private final Conv2d convOut;

  /** diffusers' {@code UpDecoderBlock2D}: keys {@code resnets.i}, {@code upsamplers.0.conv}. */
  static final class UpDecoderBlock2D extends Module {
    private final ModuleList<ResnetBlock2D> resnets;
    private final Upsample2D upsampler;

    UpDecoderBlock2D(long in, long out, int layers, long groups, boolean addUpsample) {
      resnets = child("resnets", new ModuleList<>());
      for (int i = 0; i < layers; i++) {
        resnets.add(new ResnetBlock2D(i == 0 ? in : out, out, 0, groups, Encoder.EPS, 1.0));
      }
      upsampler =
          addUpsample
              ? child("upsamplers", new ModuleList<Upsample2D>()).add(new Upsample2D(out, out))
              : null;
    }

    /** Adds the block's steps (each resnet, the upsampler) to {@code stages}. */
    void addStages(List<UnaryOperator<Tensor>> stages) {
      for (ResnetBlock2D resnet : resnets) stages.add(h -> resnet.forward(h, null));
      if (upsampler != null) stages.add(h -> upsampler.forward(h, null));
    }
  }

  Decoder(AutoencoderKLConfig config) {
    List<Integer> channels = config.blockOutChannels();
    int n = channels.size();
    long groups = config.normNumGroups();
    long top = channels.get(n - 1);
    convIn = child("conv_in", new Conv2d(config.latentChannels(), top, 3, 1, 1));
    midBlock =
        child(
            "mid_block",
            new UNetMidBlock2D(top, groups, Encoder.EPS, config.midBlockAddAttention()));
    upBlocks = child("up_blocks", new ModuleList<>());
    long prev = top;
    for (int i = 0; i < n; i++) {
      long out = channels.get(n - 1 - i);
      upBlocks.add(new UpDecoderBlock2D(prev, out, config.layersPerBlock() + 1, groups, i < n - 1));
      prev = out;
    }
    convNormOut = child("conv_norm_out", new GroupNorm(groups, channels.get(0), Encoder.EPS));
    convOut = child("conv_out", new Conv2d(channels.get(0), config.outChannels(), 3, 1, 1));
  }

  /**
   * z [B, latent, h, w] -> image [B, out, h * 2^(n-1), w * 2^(n-1)]. Each block's output is freed
   * once the next exists ({@link Scopes#chain}): the last blocks' full-resolution maps would
   * otherwise all stay alive until the end, doubling the peak memory of a big picture.
   */
  Tensor forward(Tensor z) {
    List<UnaryOperator<Tensor>> stages = new ArrayList<>();
    stages.add(convIn::forward);
    stages.add(midBlock::forward);
    for (UpDecoderBlock2D block : upBlocks) block.addStages(stages);
    stages.add(h -> convNormOut.forward(h));
    stages.add(h -> convOut.forward(InPlace.silu(h)));
    return Scopes.chain(z, stages);
  }
}
