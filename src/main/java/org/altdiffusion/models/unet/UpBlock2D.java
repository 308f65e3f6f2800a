package org.altdiffusion.models.unet;

import java.util.List;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.models.blocks.ResnetBlock2D;
import org.altdiffusion.models.blocks.Transformer2DModel;
import org.altdiffusion.models.blocks.Upsample2D;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One level of the UNet's up path: diffusers' {@code CrossAttnUpBlock2D} (with {@code attentions})
 * or {@code UpBlock2D} (without). Each resnet takes the running tensor concatenated (on channels)
 * with the latest unused skip connection. Keys {@code resnets.i}, {@code attentions.i}, {@code
 * upsamplers.0.conv}.
 */
public final class UpBlock2D extends Module {
  private final ModuleList<ResnetBlock2D> resnets;
  private final ModuleList<Transformer2DModel> attentions;
  private final Upsample2D upsampler;

  /**
   * Architecture of one block. {@code inChannels}: channels of the skip from the level below
   * (consumed by the last resnet); {@code prevOutputChannels}: channels of the incoming tensor.
   */
  public record Spec(
      long inChannels,
      long prevOutputChannels,
      long outChannels,
      long tembChannels,
      int layers,
      boolean crossAttention,
      int heads,
      int transformerLayers,
      long contextDim,
      boolean linearProjection,
      boolean onlyCrossAttention,
      long groups,
      double eps,
      boolean addUpsample) {}

  public UpBlock2D(Spec s) {
    resnets = child("resnets", new ModuleList<>());
    attentions = s.crossAttention() ? child("attentions", new ModuleList<>()) : null;
    for (int i = 0; i < s.layers(); i++) {
      long skipChannels = i == s.layers() - 1 ? s.inChannels() : s.outChannels();
      long in = i == 0 ? s.prevOutputChannels() : s.outChannels();
      resnets.add(
          new ResnetBlock2D(
              in + skipChannels, s.outChannels(), s.tembChannels(), s.groups(), s.eps(), 1.0));
      if (attentions != null) {
        attentions.add(
            new Transformer2DModel(
                s.heads(),
                s.outChannels() / s.heads(),
                s.outChannels(),
                s.transformerLayers(),
                s.contextDim(),
                s.groups(),
                s.linearProjection(),
                s.onlyCrossAttention()));
      }
    }
    upsampler =
        s.addUpsample()
            ? child("upsamplers", new ModuleList<Upsample2D>())
                .add(new Upsample2D(s.outChannels(), s.outChannels()))
            : null;
  }

  /** Number of skip connections this block consumes. */
  public int skipCount() {
    return resnets.size();
  }

  /**
   * h [B, prev, H, W] -> [B, out, H', W'].
   *
   * @param skips this block's skip connections in the order they were made; consumed last first
   * @param upsampleSize target size of the upsampler, or null for twice the size
   */
  public Tensor forward(
      Tensor h, List<Tensor> skips, Tensor temb, Tensor context, long[] upsampleSize) {
    for (int i = 0; i < resnets.size(); i++) {
      Tensor skip = skips.get(skips.size() - 1 - i);
      ResnetBlock2D resnet = resnets.get(i);
      Tensor in = h;
      h =
          Scopes.keep(
              () ->
                  resnet.forward(
                      torch.cat(new TensorVector(in, skip), 1),
                      temb)); // cat: [B, prev + skip, H, W]
      if (attentions != null) h = attentions.get(i).forward(h, context);
    }
    return upsampler == null ? h : upsampler.forward(h, upsampleSize);
  }
}
