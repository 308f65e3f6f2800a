package org.altdiffusion.models.unet;

import java.util.List;
import org.altdiffusion.models.blocks.Downsample2D;
import org.altdiffusion.models.blocks.ResnetBlock2D;
import org.altdiffusion.models.blocks.Transformer2DModel;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Tensor;

/**
 * One level of the UNet's down path: diffusers' {@code CrossAttnDownBlock2D} (with {@code
 * attentions}) or {@code DownBlock2D} (without). Keys {@code resnets.i}, {@code attentions.i},
 * {@code downsamplers.0.conv}. Every layer's output is kept as a skip connection for the up path,
 * the downsampled output too.
 */
public final class DownBlock2D extends Module {
  private final ModuleList<ResnetBlock2D> resnets;
  private final ModuleList<Transformer2DModel> attentions;
  private final Downsample2D downsampler;

  /**
   * Architecture of one block, as UNet2DConditionModel (and a ControlNet) derives it from its
   * config.
   */
  public record Spec(
      long inChannels,
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
      boolean addDownsample,
      long downsamplePadding) {}

  public DownBlock2D(Spec s) {
    resnets = child("resnets", new ModuleList<>());
    attentions = s.crossAttention() ? child("attentions", new ModuleList<>()) : null;
    for (int i = 0; i < s.layers(); i++) {
      long in = i == 0 ? s.inChannels() : s.outChannels();
      resnets.add(
          new ResnetBlock2D(in, s.outChannels(), s.tembChannels(), s.groups(), s.eps(), 1.0));
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
    downsampler =
        s.addDownsample()
            ? child("downsamplers", new ModuleList<Downsample2D>())
                .add(new Downsample2D(s.outChannels(), s.outChannels(), s.downsamplePadding()))
            : null;
  }

  /** Number of skip connections this block emits. */
  public int skipCount() {
    return resnets.size() + (downsampler == null ? 0 : 1);
  }

  /**
   * h [B, in, H, W] -> [B, out, H', W'], appending every layer's output to {@code skips}.
   *
   * @param temb [B, temb]
   * @param context [B, T, contextDim] (unused without attention)
   */
  public Tensor forward(Tensor h, Tensor temb, Tensor context, List<Tensor> skips) {
    for (int i = 0; i < resnets.size(); i++) {
      h = resnets.get(i).forward(h, temb);
      if (attentions != null) h = attentions.get(i).forward(h, context);
      skips.add(h);
    }
    if (downsampler != null) {
      h = downsampler.forward(h);
      skips.add(h);
    }
    return h;
  }
}
