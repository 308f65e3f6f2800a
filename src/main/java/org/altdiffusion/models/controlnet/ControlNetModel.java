package org.altdiffusion.models.controlnet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.models.blocks.TimestepEmbedding;
import org.altdiffusion.models.unet.DownBlock2D;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.unet.UNetMidBlock2DCrossAttn;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.ModuleList;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code ControlNetModel} (0.30) for Stable Diffusion 1.x/2.x: a copy of the UNet's
 * encoder ({@code conv_in}, {@code time_embedding}, {@code down_blocks}, {@code mid_block}, built
 * from the UNet's own block classes) that also sees a control image through {@code
 * controlnet_cond_embedding}, and hands the UNet one residual per skip ({@code
 * controlnet_down_blocks.i}, 1x1 zero convolutions) and one for the middle ({@code
 * controlnet_mid_block}).
 */
public final class ControlNetModel extends Module {
  public final ControlNetConfig config;
  private final Conv2d convIn;
  private final TimestepEmbedding timeEmbedding;
  private final ControlNetConditioningEmbedding condEmbedding;
  private final ModuleList<DownBlock2D> downBlocks;
  private final ModuleList<Conv2d> controlnetDownBlocks;
  private final UNetMidBlock2DCrossAttn midBlock;
  private final Conv2d controlnetMidBlock;

  /** The residuals for one UNet call: one per skip (conv_in's first), and the middle's. */
  public record Residuals(List<Tensor> down, Tensor mid) {}

  /** The architecture of {@code config}, with empty parameters (load or initialise them). */
  public ControlNetModel(ControlNetConfig config) {
    this.config = config;
    List<Integer> channels = config.blockOutChannels();
    int n = config.blocks();
    long temb = config.timeEmbedDim();
    long c0 = channels.get(0);
    convIn = child("conv_in", new Conv2d(config.inChannels(), c0, 3, 1, 1));
    timeEmbedding = child("time_embedding", new TimestepEmbedding(c0, temb));
    condEmbedding =
        child(
            "controlnet_cond_embedding",
            new ControlNetConditioningEmbedding(
                c0, config.conditioningChannels(), config.conditioningEmbeddingOutChannels()));
    downBlocks = child("down_blocks", new ModuleList<>());
    controlnetDownBlocks = child("controlnet_down_blocks", new ModuleList<>());
    controlnetDownBlocks.add(new Conv2d(c0, c0, 1, 1, 0));
    for (int i = 0; i < n; i++) {
      long out = channels.get(i);
      downBlocks.add(new DownBlock2D(downSpec(config, i)));
      int zeroConvs = config.layersPerBlock() + (i < n - 1 ? 1 : 0);
      for (int k = 0; k < zeroConvs; k++) controlnetDownBlocks.add(new Conv2d(out, out, 1, 1, 0));
    }
    long last = channels.get(n - 1);
    controlnetMidBlock = child("controlnet_mid_block", new Conv2d(last, last, 1, 1, 0));
    midBlock =
        child(
            "mid_block",
            new UNetMidBlock2DCrossAttn(
                last,
                temb,
                config.attentionHeads().get(n - 1),
                config.transformerLayersPerBlock().get(n - 1),
                config.crossAttentionDim(),
                config.useLinearProjection(),
                config.normNumGroups(),
                config.normEps(),
                config.midBlockScaleFactor()));
  }

  private static DownBlock2D.Spec downSpec(ControlNetConfig c, int i) {
    List<Integer> channels = c.blockOutChannels();
    return new DownBlock2D.Spec(
        channels.get(i == 0 ? 0 : i - 1),
        channels.get(i),
        c.timeEmbedDim(),
        c.layersPerBlock(),
        c.downBlockTypes().get(i).equals(UNet2DConditionConfig.CROSS_ATTN_DOWN),
        c.attentionHeads().get(i),
        c.transformerLayersPerBlock().get(i),
        c.crossAttentionDim(),
        c.useLinearProjection(),
        c.onlyCrossAttention().get(i),
        c.normNumGroups(),
        c.normEps(),
        i < c.blocks() - 1,
        c.downsamplePadding());
  }

  /**
   * diffusers' {@code ControlNetModel.from_unet}: a ControlNet with {@code unet}'s encoder ({@code
   * conv_in}, {@code time_embedding}, {@code down_blocks}, {@code mid_block} copied), the
   * conditioning embedding's layers drawn by torch's default initialisation from {@code generator}
   * except its zero {@code conv_out}, and every zero convolution ({@code controlnet_down_blocks},
   * {@code controlnet_mid_block}) zero. See {@link ControlNetConfig#fromUnet} for the accepted
   * layouts.
   */
  public static ControlNetModel fromUnet(
      UNet2DConditionModel unet,
      int conditioningChannels,
      List<Integer> embeddingOutChannels,
      org.bytedeco.pytorch.Generator generator) {
    ControlNetModel net =
        new ControlNetModel(
            ControlNetConfig.fromUnet(unet.config, conditioningChannels, embeddingOutChannels));
    net.initialize(generator);
    Map<String, Tensor> unetWeights = unet.stateDict();
    Map<String, Tensor> values = new LinkedHashMap<>();
    net.stateDict()
        .forEach(
            (k, v) -> {
              if (COPIED_FROM_UNET.stream().anyMatch(k::startsWith))
                values.put(k, unetWeights.get(k).detach().clone());
              else if (ZERO_INITIALISED.stream().anyMatch(k::startsWith))
                values.put(k, torch.zeros_like(v));
              else values.put(k, v);
            });
    net.load(values);
    return net;
  }

  /** The parts {@link #fromUnet} copies, by key prefix (the same keys in both models). */
  private static final List<String> COPIED_FROM_UNET =
      List.of("conv_in.", "time_embedding.", "down_blocks.", "mid_block.");

  /** The zero convolutions, by key prefix. */
  private static final List<String> ZERO_INITIALISED =
      List.of(
          "controlnet_down_blocks.",
          "controlnet_mid_block.",
          "controlnet_cond_embedding.conv_out.");

  /**
   * A diffusers ControlNet folder (with {@code config.json}) or an original single file ({@code
   * .safetensors}, {@code .pth}, {@code .ckpt}; see {@link ControlNetSingleFile}).
   */
  public static ControlNetModel load(Path folderOrFile) {
    if (java.nio.file.Files.isDirectory(folderOrFile)) {
      if (!java.nio.file.Files.isRegularFile(folderOrFile.resolve("config.json")))
        throw new IllegalArgumentException(
            "ControlNet folder "
                + folderOrFile
                + " has no config.json; accepted: a diffusers ControlNet folder or an original"
                + " control_*.safetensors / .pth file");
      return fromPretrained(folderOrFile);
    }
    if (!java.nio.file.Files.isRegularFile(folderOrFile))
      throw new IllegalArgumentException(
          "ControlNet " + folderOrFile + " not found (a diffusers folder or a single file)");
    return ControlNetSingleFile.load(folderOrFile);
  }

  /** Reads {@code config.json} and the weights of a diffusers {@code ControlNetModel} folder. */
  public static ControlNetModel fromPretrained(Path folder) {
    ControlNetModel model =
        new ControlNetModel(ControlNetConfig.read(folder.resolve("config.json")));
    try (TensorSource source =
        Checkpoints.open(
            DiffusersLayout.findWeights(folder, DiffusersLayout.Naming.DIFFUSERS, null))) {
      model.load(source);
    }
    return model;
  }

  /**
   * The residuals for the UNet, as diffusers' {@code ControlNetModel.forward}.
   *
   * @param sample the UNet's latent input [B, in_channels, h, w] (without inpainting's channels)
   * @param timestep the UNet's time input
   * @param context the text conditioning [B, T, cross_attention_dim]
   * @param controlImage [B, conditioning_channels, H, W] in 0..1, H = h x 2^steps of the embedding
   * @param scale the conditioning scale every residual is multiplied by
   * @param guessMode residuals scaled from 0.1 (first skip) to 1 (middle) on a log scale, times
   *     {@code scale} (unless global_pool_conditions)
   */
  public Residuals forward(
      Tensor sample,
      double timestep,
      Tensor context,
      Tensor controlImage,
      double scale,
      boolean guessMode) {
    return forward(
        sample,
        timeInput(sample, timestep),
        context,
        controlImage,
        (down, mid) -> scaled(down, mid, scale, guessMode));
  }

  /**
   * The residuals with output i ({@code down_0 .. down_n-2}, then the middle block's) multiplied by
   * {@code outputScales[i]} (a float32 scalar, as PyTorch multiplies by a Python float), before the
   * global pooling of nets that have it: sd-webui-controlnet's per-output weighting.
   *
   * @param outputScales one factor per output: {@link #outputCount()} of them
   */
  public Residuals forward(
      Tensor sample, double timestep, Tensor context, Tensor controlImage, double[] outputScales) {
    if (outputScales.length != outputCount())
      throw new IllegalArgumentException(
          "ControlNet: "
              + outputCount()
              + " output scales expected (one per skip and the middle block), got "
              + outputScales.length);
    return forward(
        sample,
        timeInput(sample, timestep),
        context,
        controlImage,
        (down, mid) -> {
          List<Tensor> out = new ArrayList<>();
          for (int i = 0; i < down.size(); i++)
            out.add(down.get(i).mul(new Scalar(outputScales[i])));
          return pooled(out, mid.mul(new Scalar(outputScales[down.size()])));
        });
  }

  /** The number of residuals: one per skip of the down blocks, and the middle block's. */
  public int outputCount() {
    return controlnetDownBlocks.size() + 1;
  }

  /**
   * The residuals with one timestep per example (training), as diffusers given a [B] tensor.
   *
   * @param timesteps [B] integer or floating timesteps
   */
  public Residuals forward(
      Tensor sample,
      Tensor timesteps,
      Tensor context,
      Tensor controlImage,
      double scale,
      boolean guessMode) {
    if (timesteps.dim() != 1 || timesteps.size(0) != sample.size(0))
      throw new IllegalArgumentException(
          "ControlNet: timesteps must be ["
              + sample.size(0)
              + "], got "
              + Tensors.shapeString(timesteps));
    return forward(
        sample,
        () -> timesteps.to(torch.ScalarType.Float),
        context,
        controlImage,
        (down, mid) -> scaled(down, mid, scale, guessMode));
  }

  /** The one timestep as the [B] time input. */
  private static java.util.function.Supplier<Tensor> timeInput(Tensor sample, double timestep) {
    return () ->
        torch
            .scalar_tensor(
                new Scalar(timestep), ComputeDevice.of(sample).options(torch.ScalarType.Double))
            .unsqueeze(0)
            .expand(sample.size(0)); // [B]
  }

  /** How the zero convolutions' outputs become the residuals (scaling, pooling). */
  private interface Scaling {
    Residuals apply(List<Tensor> down, Tensor mid);
  }

  private Residuals forward(
      Tensor sample,
      java.util.function.Supplier<Tensor> timesteps,
      Tensor context,
      Tensor controlImage,
      Scaling scaling) {
    checkInputs(sample, context, controlImage);
    Tensor[] all =
        guarded(
            "forward",
            () ->
                Scopes.keepAll(
                    () -> {
                      ComputeDevice device = ComputeDevice.of(sample); // CPU-made inputs follow
                      Tensor temb = timeEmbed(device.place(timesteps.get()));
                      Tensor image = device.place(controlImage);
                      Tensor cond =
                          config.bgrConditioning()
                              ? image.flip(new long[] {1})
                              : image; // [B, C, H, W], channels reversed for bgr nets
                      Tensor h = convIn.forward(sample).add(condEmbedding.forward(cond));
                      List<Tensor> skips = new ArrayList<>();
                      skips.add(h);
                      for (DownBlock2D block : downBlocks)
                        h = block.forward(h, temb, context, skips);
                      h = midBlock.forward(h, temb, context);
                      List<Tensor> down = new ArrayList<>();
                      for (int i = 0; i < skips.size(); i++)
                        down.add(controlnetDownBlocks.get(i).forward(skips.get(i)));
                      Residuals r = scaling.apply(down, controlnetMidBlock.forward(h));
                      List<Tensor> out = new ArrayList<>(r.down());
                      out.add(r.mid());
                      return out.toArray(Tensor[]::new);
                    }));
    return new Residuals(List.of(all).subList(0, all.length - 1), all[all.length - 1]);
  }

  /** Conditioning scale (log-spaced in guess mode), then global pooling when configured. */
  private Residuals scaled(List<Tensor> down, Tensor mid, double scale, boolean guessMode) {
    List<Tensor> out = new ArrayList<>();
    if (guessMode && !config.globalPoolConditions()) {
      // torch.logspace(-1, 0, n + 1) * scale, float32 as diffusers: 0.1 .. 1
      Tensor scales =
          torch
              .logspace(
                  new Scalar(-1.0),
                  new Scalar(0.0),
                  down.size() + 1,
                  10.0,
                  ComputeDevice.of(mid).options(torch.ScalarType.Float))
              .mul(new Scalar(scale)); // [n + 1]
      for (int i = 0; i < down.size(); i++) out.add(down.get(i).mul(scales.get(i)));
      mid = mid.mul(scales.get(down.size()));
    } else {
      for (Tensor d : down) out.add(d.mul(new Scalar(scale)));
      mid = mid.mul(new Scalar(scale));
    }
    return pooled(out, mid);
  }

  /** Global average pooling of every residual when the net is configured for it. */
  private Residuals pooled(List<Tensor> out, Tensor mid) {
    if (config.globalPoolConditions()) {
      long[] hw = {2, 3};
      out.replaceAll(
          t -> t.mean(hw, true, new org.bytedeco.pytorch.ScalarTypeOptional())); // [B, C, 1, 1]
      mid = mid.mean(hw, true, new org.bytedeco.pytorch.ScalarTypeOptional()); // [B, C, 1, 1]
    }
    return new Residuals(out, mid);
  }

  /** Sinusoidal features of the timesteps [B] through the MLP: [B, temb]. */
  private Tensor timeEmbed(Tensor t) {
    Tensor features =
        TimestepEmbedding.sinusoidal(
                t,
                config.blockOutChannels().get(0),
                config.flipSinToCos(),
                config.freqShift(),
                torch.ScalarType.Float)
            .to(dtype()); // [B, c0]
    return timeEmbedding.forward(features);
  }

  /** The factor between the control image's size and the latents': 2^(stride-2 convolutions). */
  public int imageScale() {
    return 1 << condEmbedding.downscaleSteps();
  }

  /**
   * An error naming both when this ControlNet cannot feed {@code unet}: another cross-attention
   * width (SD 1.x 768 vs SD 2.x 1024) or another block layout.
   *
   * @param netName the ControlNet's name (file or folder), for the message
   * @param modelName the model's name, for the message
   */
  public void checkFits(UNet2DConditionConfig unet, String netName, String modelName) {
    List<String> problems = new ArrayList<>();
    if (unet.crossAttentionDim() != config.crossAttentionDim())
      problems.add(
          "cross_attention_dim "
              + config.crossAttentionDim()
              + " ("
              + family(config.crossAttentionDim())
              + ") vs the model's "
              + unet.crossAttentionDim()
              + " ("
              + family(unet.crossAttentionDim())
              + ")");
    if (!unet.blockOutChannels().equals(config.blockOutChannels()))
      problems.add(
          "block_out_channels "
              + config.blockOutChannels()
              + " vs the model's "
              + unet.blockOutChannels());
    if (!unet.layersPerBlock().stream().allMatch(l -> l == config.layersPerBlock()))
      problems.add(
          "layers_per_block "
              + config.layersPerBlock()
              + " vs the model's "
              + unet.layersPerBlock());
    if (unet.downsamplePadding() != config.downsamplePadding())
      problems.add(
          "downsample_padding "
              + config.downsamplePadding()
              + " vs the model's "
              + unet.downsamplePadding());
    if (!problems.isEmpty())
      throw new IllegalArgumentException(
          "ControlNet "
              + netName
              + " does not fit model "
              + modelName
              + ": "
              + String.join("; ", problems)
              + " (SD 1.x ControlNets fit 768-wide models such as m9, SD 2.x ones 1024-wide such"
              + " as m18)");
  }

  private static String family(int crossAttentionDim) {
    return switch (crossAttentionDim) {
      case 768 -> "SD 1.x";
      case 1024 -> "SD 2.x";
      default -> "neither SD 1.x nor 2.x";
    };
  }

  private void checkInputs(Tensor sample, Tensor context, Tensor image) {
    if (sample.dim() != 4 || sample.size(1) != config.inChannels())
      throw new IllegalArgumentException(
          "ControlNet: sample must be [B, "
              + config.inChannels()
              + ", h, w], got "
              + Tensors.shapeString(sample));
    long b = sample.size(0);
    if (context.dim() != 3 || context.size(0) != b || context.size(2) != config.crossAttentionDim())
      throw new IllegalArgumentException(
          "ControlNet: the text conditioning must be ["
              + b
              + ", T, "
              + config.crossAttentionDim()
              + "], got "
              + Tensors.shapeString(context));
    long s = imageScale();
    if (image.dim() != 4
        || image.size(0) != b
        || image.size(1) != config.conditioningChannels()
        || image.size(2) != sample.size(2) * s
        || image.size(3) != sample.size(3) * s)
      throw new IllegalArgumentException(
          "ControlNet: the control image must be ["
              + b
              + ", "
              + config.conditioningChannels()
              + ", "
              + sample.size(2) * s
              + ", "
              + sample.size(3) * s
              + "] (the latents' size x "
              + s
              + "), got "
              + Tensors.shapeString(image));
  }
}
