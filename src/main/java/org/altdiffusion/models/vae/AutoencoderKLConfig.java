package org.altdiffusion.models.vae;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;

/**
 * The {@code config.json} of a diffusers {@code AutoencoderKL} (the Stable Diffusion VAE). Absent
 * or null keys take diffusers 0.30's defaults (given per field).
 *
 * @param inChannels {@code in_channels}, default 3
 * @param outChannels {@code out_channels}, default 3
 * @param downBlockTypes {@code down_block_types}, default [DownEncoderBlock2D]; the only accepted
 *     type
 * @param upBlockTypes {@code up_block_types}, default [UpDecoderBlock2D]; the only accepted type
 * @param blockOutChannels {@code block_out_channels}, default [64] (SD: [128, 256, 512, 512])
 * @param layersPerBlock {@code layers_per_block}, default 1 (SD: 2); decoder blocks have one more
 * @param actFn {@code act_fn}, default "silu" ("swish" is the same; nothing else accepted)
 * @param latentChannels {@code latent_channels}, default 4
 * @param normNumGroups {@code norm_num_groups}, default 32
 * @param sampleSize {@code sample_size}, default 32: the tile side in pixels of tiled encode/decode
 *     ({@link AutoencoderKL#setTiling})
 * @param scalingFactor {@code scaling_factor}, default 0.18215: the pipeline multiplies encoded
 *     latents by it and divides by it before decoding
 * @param shiftFactor {@code shift_factor}, default null (SD 3 / Flux use it; SD 1/2 pipelines
 *     ignore it)
 * @param latentsMean {@code latents_mean}, default null (informative; SDXL-era pipelines use it)
 * @param latentsStd {@code latents_std}, default null (informative)
 * @param forceUpcast {@code force_upcast}, default true: fp16 pipelines run the VAE in fp32; we
 *     always do
 * @param useQuantConv {@code use_quant_conv}, default true: 1x1 conv on the encoder moments
 * @param usePostQuantConv {@code use_post_quant_conv}, default true: 1x1 conv before decoding
 * @param midBlockAddAttention {@code mid_block_add_attention}, default true
 */
public record AutoencoderKLConfig(
    int inChannels,
    int outChannels,
    List<String> downBlockTypes,
    List<String> upBlockTypes,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    String actFn,
    int latentChannels,
    int normNumGroups,
    Integer sampleSize,
    double scalingFactor,
    Double shiftFactor,
    List<Double> latentsMean,
    List<Double> latentsStd,
    boolean forceUpcast,
    boolean useQuantConv,
    boolean usePostQuantConv,
    boolean midBlockAddAttention) {

  public static final String DOWN_ENCODER = "DownEncoderBlock2D";
  public static final String UP_DECODER = "UpDecoderBlock2D";

  /** Validates every field; errors name the config key and the accepted values. */
  public AutoencoderKLConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    blockOutChannels = List.copyOf(blockOutChannels);
    latentsMean = latentsMean == null ? null : List.copyOf(latentsMean);
    latentsStd = latentsStd == null ? null : List.copyOf(latentsStd);
    int n = blockOutChannels.size();
    check(n > 0, "block_out_channels", "must have at least one entry");
    check(
        downBlockTypes.size() == n,
        "down_block_types",
        "has " + downBlockTypes.size() + " entries but block_out_channels has " + n);
    check(
        upBlockTypes.size() == n,
        "up_block_types",
        "has " + upBlockTypes.size() + " entries but block_out_channels has " + n);
    for (String t : downBlockTypes) {
      check(
          t.equals(DOWN_ENCODER),
          "down_block_types",
          "unsupported block type '" + t + "'; accepted: " + DOWN_ENCODER);
    }
    for (String t : upBlockTypes) {
      check(
          t.equals(UP_DECODER),
          "up_block_types",
          "unsupported block type '" + t + "'; accepted: " + UP_DECODER);
    }
    check(normNumGroups > 0, "norm_num_groups", "must be positive, got " + normNumGroups);
    for (int c : blockOutChannels) {
      check(
          c > 0 && c % normNumGroups == 0,
          "block_out_channels",
          "every entry must be a positive multiple of norm_num_groups "
              + normNumGroups
              + ", got "
              + c);
    }
    check(layersPerBlock > 0, "layers_per_block", "must be positive, got " + layersPerBlock);
    check(inChannels > 0, "in_channels", "must be positive, got " + inChannels);
    check(outChannels > 0, "out_channels", "must be positive, got " + outChannels);
    check(latentChannels > 0, "latent_channels", "must be positive, got " + latentChannels);
    check(
        "silu".equals(actFn) || "swish".equals(actFn),
        "act_fn",
        "unsupported value "
            + (actFn == null ? "null" : "\"" + actFn + "\"")
            + "; accepted: silu, swish");
    check(scalingFactor != 0, "scaling_factor", "must not be 0");
  }

  /** Reads {@code config.json}. */
  public static AutoencoderKLConfig read(Path file) {
    return from(JsonConfig.read(file));
  }

  public static AutoencoderKLConfig from(JsonConfig json) {
    json = json.withoutDiffusersDefaults();
    try {
      return new AutoencoderKLConfig(
          json.integer("in_channels", 3),
          json.integer("out_channels", 3),
          json.strings("down_block_types", List.of(DOWN_ENCODER)),
          json.strings("up_block_types", List.of(UP_DECODER)),
          json.integers("block_out_channels", List.of(64)),
          json.integer("layers_per_block", 1),
          json.string("act_fn", "silu"),
          json.integer("latent_channels", 4),
          json.integer("norm_num_groups", 32),
          json.has("sample_size") ? json.integer("sample_size", 0) : Integer.valueOf(32),
          json.real("scaling_factor", 0.18215),
          json.has("shift_factor") ? json.real("shift_factor", 0) : null,
          json.reals("latents_mean", null),
          json.reals("latents_std", null),
          json.bool("force_upcast", true),
          json.bool("use_quant_conv", true),
          json.bool("use_post_quant_conv", true),
          json.bool("mid_block_add_attention", true));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(json.file(), e.getMessage());
    }
  }

  private static void check(boolean ok, String key, String problem) {
    if (!ok) throw new IllegalArgumentException("field '" + key + "': " + problem);
  }
}
