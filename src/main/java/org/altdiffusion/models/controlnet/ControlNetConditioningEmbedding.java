package org.altdiffusion.models.controlnet;

import java.util.List;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers' {@code ControlNetConditioningEmbedding}: the control image (pixels) down to the
 * latents' size. {@code conv_in} (3x3), then per step of {@code blockOutChannels} a 3x3 conv at the
 * same width and a 3x3 stride-2 conv to the next width ({@code blocks.2k}, {@code blocks.2k+1}),
 * SiLU after each, then the zero-initialised {@code conv_out} to the UNet's first width.
 */
final class ControlNetConditioningEmbedding extends Module {
  private final Conv2d convIn;
  private final ModuleList<Conv2d> blocks;
  private final Conv2d convOut;

  ControlNetConditioningEmbedding(
      long embeddingChannels, long conditioningChannels, List<Integer> blockOutChannels) {
    convIn = child("conv_in", new Conv2d(conditioningChannels, blockOutChannels.get(0), 3, 1, 1));
    blocks = child("blocks", new ModuleList<>());
    for (int i = 0; i < blockOutChannels.size() - 1; i++) {
      long in = blockOutChannels.get(i);
      blocks.add(new Conv2d(in, in, 3, 1, 1));
      blocks.add(new Conv2d(in, blockOutChannels.get(i + 1), 3, 2, 1));
    }
    convOut =
        child(
            "conv_out",
            new Conv2d(
                blockOutChannels.get(blockOutChannels.size() - 1), embeddingChannels, 3, 1, 1));
  }

  /** Number of stride-2 convolutions: the image is 2^this times the latents' size. */
  int downscaleSteps() {
    return blocks.size() / 2;
  }

  /** [B, conditioning, H, W] -> [B, embedding, H / 2^steps, W / 2^steps]. */
  Tensor forward(Tensor conditioning) {
    Tensor h = InPlace.silu(convIn.forward(conditioning));
    for (Conv2d block : blocks) h = InPlace.silu(block.forward(h));
    return convOut.forward(h);
  }
}
