package org.altdiffusion.models.unet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.blocks.Downsample2D;
import org.altdiffusion.models.blocks.TimestepEmbedding;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.GroupNorm;
import org.altdiffusion.nn.InPlace;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code UNet2DConditionModel} for Stable Diffusion 1.x/2.x layouts (AltDiffusion m9 and
 * m18), with diffusers' parameter names: {@code conv_in}, {@code time_embedding.linear_1/2}, {@code
 * down_blocks}, {@code mid_block}, {@code up_blocks}, {@code conv_norm_out}, {@code conv_out}.
 * Predicts the noise of a latent sample at a timestep, conditioned on text states by
 * cross-attention. Inpainting UNets are the same with 9 input channels; ControlNet residuals are
 * optional inputs of {@link #forward(Tensor, Tensor, Tensor, List, Tensor)}.
 */
public final class UNet2DConditionModel extends Module {
  public final UNet2DConditionConfig config;
  private final Conv2d convIn;
  private final TimestepEmbedding timeEmbedding;
  private final ModuleList<DownBlock2D> downBlocks;
  private final UNetMidBlock2DCrossAttn midBlock;
  private final ModuleList<UpBlock2D> upBlocks;
  private final GroupNorm convNormOut;
  private final Conv2d convOut;

  /** The architecture of {@code config}, with empty parameters (load or initialise them). */
  public UNet2DConditionModel(UNet2DConditionConfig config) {
    this.config = config;
    List<Integer> channels = config.blockOutChannels();
    int n = config.blocks();
    long temb = config.timeEmbedDim();
    long groups = config.normNumGroups();
    double eps = config.normEps();
    long c0 = channels.get(0);
    convIn =
        child(
            "conv_in",
            new Conv2d(
                config.inChannels(),
                c0,
                config.convInKernel(),
                1,
                (config.convInKernel() - 1) / 2));
    timeEmbedding = child("time_embedding", new TimestepEmbedding(c0, temb));

    downBlocks = child("down_blocks", new ModuleList<>());
    for (int i = 0; i < n; i++) {
      downBlocks.add(
          new DownBlock2D(
              new DownBlock2D.Spec(
                  channels.get(i == 0 ? 0 : i - 1),
                  channels.get(i),
                  temb,
                  config.layersPerBlock().get(i),
                  config.downBlockTypes().get(i).equals(UNet2DConditionConfig.CROSS_ATTN_DOWN),
                  config.attentionHeads(i),
                  config.transformerLayersPerBlock().get(i),
                  config.crossAttentionDim(),
                  config.useLinearProjection(),
                  config.onlyCrossAttention().get(i),
                  groups,
                  eps,
                  i < n - 1,
                  config.downsamplePadding())));
    }

    midBlock =
        child(
            "mid_block",
            new UNetMidBlock2DCrossAttn(
                channels.get(n - 1),
                temb,
                config.attentionHeads(n - 1),
                config.transformerLayersPerBlock().get(n - 1),
                config.crossAttentionDim(),
                config.useLinearProjection(),
                groups,
                eps,
                config.midBlockScaleFactor()));

    upBlocks = child("up_blocks", new ModuleList<>());
    long prevOutput = channels.get(n - 1);
    for (int i = 0; i < n; i++) {
      int level = n - 1 - i; // the down level this up block mirrors
      long out = channels.get(level);
      long skipIn = channels.get(Math.max(level - 1, 0));
      upBlocks.add(
          new UpBlock2D(
              new UpBlock2D.Spec(
                  skipIn,
                  prevOutput,
                  out,
                  temb,
                  config.layersPerBlock().get(level) + 1,
                  config.upBlockTypes().get(i).equals(UNet2DConditionConfig.CROSS_ATTN_UP),
                  config.attentionHeads(level),
                  config.transformerLayersPerBlock().get(level),
                  config.crossAttentionDim(),
                  config.useLinearProjection(),
                  config.onlyCrossAttention().get(level),
                  groups,
                  eps,
                  i < n - 1)));
      prevOutput = out;
    }

    convNormOut = child("conv_norm_out", new GroupNorm(groups, c0, eps));
    convOut =
        child(
            "conv_out",
            new Conv2d(
                c0,
                config.outChannels(),
                config.convOutKernel(),
                1,
                (config.convOutKernel() - 1) / 2));
  }

  /**
   * Reads {@code config.json} and the weights of a diffusers {@code unet} folder ({@code
   * diffusion_pytorch_model.safetensors}, {@code .bin}, or sharded, as diffusers prefers them).
   */
  public static UNet2DConditionModel fromPretrained(Path folder) {
    UNet2DConditionModel model =
        new UNet2DConditionModel(UNet2DConditionConfig.read(folder.resolve("config.json")));
    try (TensorSource source =
        Checkpoints.open(
            DiffusersLayout.findWeights(folder, DiffusersLayout.Naming.DIFFUSERS, null))) {
      model.load(source);
    }
    return model;
  }

  /** Number of skip tensors the down path makes: the length ControlNet residual lists must have. */
  public int downResidualCount() {
    int count = 1; // conv_in output
    for (DownBlock2D block : downBlocks) count += block.skipCount();
    return count;
  }

  /**
   * Noise prediction without ControlNet residuals; see {@link #forward(Tensor, Tensor, Tensor,
   * List, Tensor)}.
   */
  public Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates) {
    return forward(sample, timestep, encoderHiddenStates, null, null);
  }

  /** Same with a timestep number (diffusers turns a Python number into a one-element tensor). */
  public Tensor forward(Tensor sample, double timestep, Tensor encoderHiddenStates) {
    return forward(sample, timestep, encoderHiddenStates, null, null);
  }

  /** With a timestep number and ControlNet residuals (null for none). */
  public Tensor forward(
      Tensor sample,
      double timestep,
      Tensor encoderHiddenStates,
      List<Tensor> downBlockAdditionalResiduals,
      Tensor midBlockAdditionalResidual) {
    return Scopes.keep(
        () ->
            forward(
                sample,
                torch.scalar_tensor(
                    new Scalar(timestep),
                    ComputeDevice.of(sample).options(torch.ScalarType.Double)),
                encoderHiddenStates,
                downBlockAdditionalResiduals,
                midBlockAdditionalResidual));
  }

  /**
   * The noise (or whatever the model was trained to predict) for {@code sample} at {@code
   * timestep}.
   *
   * @param sample [B, in_channels, H, W] float32; H and W need not be multiples of 2^(blocks-1)
   *     (upsampling then targets the skip sizes, as in diffusers)
   * @param timestep a scalar, [1] or [B]; any numeric dtype (converted to float32 like diffusers)
   * @param encoderHiddenStates [B, T, cross_attention_dim] float32
   * @param downBlockAdditionalResiduals null, or ControlNet's {@link #downResidualCount()} tensors,
   *     each shaped like the skip it is added to (conv_in output first)
   * @param midBlockAdditionalResidual null, or ControlNet's mid residual, added to the mid block
   *     output; given exactly when the down residuals are
   * @return [B, out_channels, H, W]
   */
  public Tensor forward(
      Tensor sample,
      Tensor timestep,
      Tensor encoderHiddenStates,
      List<Tensor> downBlockAdditionalResiduals,
      Tensor midBlockAdditionalResidual) {
    checkInputs(
        sample,
        timestep,
        encoderHiddenStates,
        downBlockAdditionalResiduals,
        midBlockAdditionalResidual);
    return guarded(
        "forward",
        () ->
            Scopes.keep(
                () -> {
                  long batch = sample.size(0);
                  int factor = config.downscaleFactor();
                  boolean forwardUpsampleSize =
                      sample.size(2) % factor != 0 || sample.size(3) % factor != 0;
                  Tensor x =
                      config.centerInputSample()
                          ? sample.mul(new Scalar(2.0)).sub(new Scalar(1.0))
                          : sample;
                  // a timestep tensor made on the CPU (training) follows the sample
                  Tensor temb = timeEmbed(ComputeDevice.of(sample).place(timestep), batch);

                  Tensor h = convIn.forward(x);
                  List<Tensor> skips = new ArrayList<>();
                  skips.add(h);
                  for (DownBlock2D block : downBlocks)
                    h = block.forward(h, temb, encoderHiddenStates, skips);
                  if (downBlockAdditionalResiduals != null) {
                    for (int i = 0; i < skips.size(); i++)
                      skips.set(i, skips.get(i).add(downBlockAdditionalResiduals.get(i)));
                  }

                  h = midBlock.forward(h, temb, encoderHiddenStates);
                  if (midBlockAdditionalResidual != null) h = h.add(midBlockAdditionalResidual);

                  for (int i = 0; i < upBlocks.size(); i++) {
                    UpBlock2D block = upBlocks.get(i);
                    List<Tensor> mine =
                        new ArrayList<>(
                            skips.subList(skips.size() - block.skipCount(), skips.size()));
                    skips.subList(skips.size() - block.skipCount(), skips.size()).clear();
                    boolean last = i == upBlocks.size() - 1;
                    long[] upsampleSize =
                        !last && forwardUpsampleSize
                            ? spatialSize(skips.get(skips.size() - 1))
                            : null;
                    h = block.forward(h, mine, temb, encoderHiddenStates, upsampleSize);
                  }

                  return convOut.forward(InPlace.silu(convNormOut.forward(h)));
                }));
  }

  /**
   * Sinusoidal features of the timesteps broadcast to the batch, through the time MLP: [B, temb].
   */
  private Tensor timeEmbed(Tensor timestep, long batch) {
    Tensor t = timestep.dim() == 0 ? timestep.unsqueeze(0) : timestep; // [1] or [B]
    t = t.expand(batch); // [B]
    // float32 features as diffusers computes them; float64 for a model widened to float64
    torch.ScalarType dtype =
        dtype().value == torch.ScalarType.Double.value
            ? torch.ScalarType.Double
            : torch.ScalarType.Float;
    Tensor features =
        TimestepEmbedding.sinusoidal(
                t,
                config.blockOutChannels().get(0),
                config.flipSinToCos(),
                config.freqShift(),
                dtype)
            .to(dtype()); // [B, c0] in the weights' dtype (diffusers casts to the sample's)
    return timeEmbedding.forward(features);
  }

  private static long[] spatialSize(Tensor t) {
    return new long[] {t.size(2), t.size(3)};
  }

  /**
   * Shapes of the skip tensors for a sample of [batch, *, height, width] (conv_in output first).
   */
  public List<long[]> downResidualShapes(long batch, long height, long width) {
    List<long[]> shapes = new ArrayList<>();
    List<Integer> channels = config.blockOutChannels();
    shapes.add(new long[] {batch, channels.get(0), height, width});
    long h = height;
    long w = width;
    for (int i = 0; i < downBlocks.size(); i++) {
      DownBlock2D block = downBlocks.get(i);
      int resnets = block.skipCount() - (i < downBlocks.size() - 1 ? 1 : 0);
      for (int r = 0; r < resnets; r++) shapes.add(new long[] {batch, channels.get(i), h, w});
      if (i < downBlocks.size() - 1) {
        h = Downsample2D.outputSize(h, config.downsamplePadding());
        w = Downsample2D.outputSize(w, config.downsamplePadding());
        shapes.add(new long[] {batch, channels.get(i), h, w});
      }
    }
    return shapes;
  }

  /** Shape of the mid block output (where ControlNet's mid residual is added). */
  public long[] midResidualShape(long batch, long height, long width) {
    List<long[]> shapes = downResidualShapes(batch, height, width);
    long[] last = shapes.get(shapes.size() - 1);
    return new long[] {batch, config.blockOutChannels().get(config.blocks() - 1), last[2], last[3]};
  }

  private void checkInputs(
      Tensor sample,
      Tensor timestep,
      Tensor context,
      List<Tensor> downResiduals,
      Tensor midResidual) {
    if (sample == null || timestep == null || context == null) {
      throw new IllegalArgumentException(
          "UNet: sample, timestep and encoderHiddenStates are required");
    }
    requireFloat("sample", sample);
    if (sample.dim() != 4 || sample.size(1) != config.inChannels()) {
      throw new IllegalArgumentException(
          "UNet: sample must be [B, "
              + config.inChannels()
              + ", H, W] (in_channels "
              + config.inChannels()
              + "), got "
              + Tensors.shapeString(sample));
    }
    long batch = sample.size(0);
    if (batch == 0 || sample.size(2) == 0 || sample.size(3) == 0) {
      throw new IllegalArgumentException(
          "UNet: sample must not be empty, got " + Tensors.shapeString(sample));
    }
    if (timestep.dim() > 1
        || (timestep.dim() == 1 && timestep.size(0) != 1 && timestep.size(0) != batch)
        || timestep.scalar_type().value == torch.ScalarType.Bool.value) {
      throw new IllegalArgumentException(
          "UNet: timestep must be a number, a scalar tensor, [1] or ["
              + batch
              + "] (the batch), got "
              + Tensors.shapeString(timestep)
              + " "
              + timestep.scalar_type());
    }
    requireFloat("encoderHiddenStates", context);
    if (context.dim() != 3
        || context.size(0) != batch
        || context.size(2) != config.crossAttentionDim()) {
      throw new IllegalArgumentException(
          "UNet: encoderHiddenStates must be ["
              + batch
              + ", T, "
              + config.crossAttentionDim()
              + "] (batch of the sample, cross_attention_dim), got "
              + Tensors.shapeString(context));
    }
    if ((downResiduals == null) != (midResidual == null)) {
      throw new IllegalArgumentException(
          "UNet: ControlNet residuals need both the down-block list and the mid-block tensor, or"
              + " neither");
    }
    if (downResiduals == null) return;
    List<long[]> shapes = downResidualShapes(batch, sample.size(2), sample.size(3));
    if (downResiduals.size() != shapes.size()) {
      throw new IllegalArgumentException(
          "UNet: expected "
              + shapes.size()
              + " down-block residuals (one per skip connection), got "
              + downResiduals.size());
    }
    for (int i = 0; i < shapes.size(); i++) {
      requireShape("down-block residual " + i, downResiduals.get(i), shapes.get(i));
    }
    requireShape(
        "mid-block residual", midResidual, midResidualShape(batch, sample.size(2), sample.size(3)));
  }

  private void requireShape(String what, Tensor t, long[] expected) {
    if (t == null) throw new IllegalArgumentException("UNet: " + what + " is null");
    requireFloat(what, t);
    if (!Arrays.equals(Tensors.shape(t), expected)) {
      throw new IllegalArgumentException(
          "UNet: "
              + what
              + " must be "
              + Arrays.toString(expected)
              + ", got "
              + Tensors.shapeString(t));
    }
  }

  /** Inputs in the weights' dtype: float32 (as loaded), or float64 for a model widened to it. */
  private void requireFloat(String what, Tensor t) {
    if (t.scalar_type().value != dtype().value) {
      throw new IllegalArgumentException(
          "UNet: "
              + what
              + " must be "
              + dtype()
              + " (the weights' dtype), got "
              + t.scalar_type());
    }
  }
}
