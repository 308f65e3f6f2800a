package org.altdiffusion.models.unet;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;

/**
 * The {@code config.json} of a diffusers {@code UNet2DConditionModel}, restricted to what Stable
 * Diffusion 1.x/2.x UNets (and their inpainting and ControlNet-fed variants) use. Absent or null
 * keys take diffusers 0.30's defaults (given per field). Per-block values that diffusers accepts as
 * "an int or a list" are stored as one entry per down block.
 *
 * @param sampleSize {@code sample_size}, default null: latent size the model was trained at
 *     (informative)
 * @param inChannels {@code in_channels}, default 4 (9 for inpainting UNets)
 * @param outChannels {@code out_channels}, default 4
 * @param centerInputSample {@code center_input_sample}, default false: feed {@code 2 * sample - 1}
 * @param flipSinToCos {@code flip_sin_to_cos}, default true: timestep features ordered cos, sin
 * @param freqShift {@code freq_shift}, default 0: the timestep embedding's downscale_freq_shift
 * @param downBlockTypes {@code down_block_types}, default 3 x CrossAttnDownBlock2D + DownBlock2D
 * @param midBlockType {@code mid_block_type}, default and only accepted value
 *     UNetMidBlock2DCrossAttn
 * @param upBlockTypes {@code up_block_types}, default UpBlock2D + 3 x CrossAttnUpBlock2D
 * @param onlyCrossAttention {@code only_cross_attention} (bool or per block), default false
 * @param blockOutChannels {@code block_out_channels}, default [320, 640, 1280, 1280]
 * @param layersPerBlock {@code layers_per_block} (int or per block), default 2
 * @param downsamplePadding {@code downsample_padding}, default 1 (0: asymmetric zero pad, then
 *     conv)
 * @param midBlockScaleFactor {@code mid_block_scale_factor}, default 1: mid resnets divide their
 *     output by it
 * @param dropout {@code dropout}, default 0: kept for training; inference applies none
 * @param actFn {@code act_fn}, default "silu" ("swish" is the same function; nothing else accepted)
 * @param normNumGroups {@code norm_num_groups}, default 32 (null is not supported)
 * @param normEps {@code norm_eps}, default 1e-5: resnet and output GroupNorm epsilon
 * @param crossAttentionDim {@code cross_attention_dim}, default 1280 (768 SD 1.x / m9, 1024 SD 2.x
 *     / m18)
 * @param transformerLayersPerBlock {@code transformer_layers_per_block} (int or per block), default
 *     1
 * @param attentionHeadDim {@code attention_head_dim} (int or per block), default 8. Because of a
 *     naming bug kept by diffusers, this is the NUMBER OF HEADS of each block (head width =
 *     channels / value); see {@link #attentionHeads(int)}.
 * @param useLinearProjection {@code use_linear_projection}, default false (SD 2.x: true)
 * @param upcastAttention {@code upcast_attention}, default false: fp16 softmax upcast; no effect in
 *     fp32
 * @param dualCrossAttention {@code dual_cross_attention}, default and only accepted value false
 * @param classEmbedType {@code class_embed_type}, default and only accepted value null
 * @param additionEmbedType {@code addition_embed_type}, default and only accepted value null (SDXL
 *     uses "text_time")
 * @param timeEmbeddingType {@code time_embedding_type}, default and only accepted value
 *     "positional"
 * @param timeEmbeddingDim {@code time_embedding_dim}, default null = 4 * block_out_channels[0]
 * @param resnetTimeScaleShift {@code resnet_time_scale_shift}, default and only accepted value
 *     "default"
 * @param convInKernel {@code conv_in_kernel}, default 3 (odd)
 * @param convOutKernel {@code conv_out_kernel}, default 3 (odd)
 */
public record UNet2DConditionConfig(
    Integer sampleSize,
    int inChannels,
    int outChannels,
    boolean centerInputSample,
    boolean flipSinToCos,
    double freqShift,
    List<String> downBlockTypes,
    String midBlockType,
    List<String> upBlockTypes,
    List<Boolean> onlyCrossAttention,
    List<Integer> blockOutChannels,
    List<Integer> layersPerBlock,
    int downsamplePadding,
    double midBlockScaleFactor,
    double dropout,
    String actFn,
    int normNumGroups,
    double normEps,
    int crossAttentionDim,
    List<Integer> transformerLayersPerBlock,
    List<Integer> attentionHeadDim,
    boolean useLinearProjection,
    boolean upcastAttention,
    boolean dualCrossAttention,
    String classEmbedType,
    String additionEmbedType,
    String timeEmbeddingType,
    Integer timeEmbeddingDim,
    String resnetTimeScaleShift,
    int convInKernel,
    int convOutKernel) {

  public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
  public static final String DOWN = "DownBlock2D";
  public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
  public static final String UP = "UpBlock2D";
  public static final String MID_CROSS_ATTN = "UNetMidBlock2DCrossAttn";

  /** Validates every field; errors name the config key and the accepted values. */
  public UNet2DConditionConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    upBlockTypes = List.copyOf(upBlockTypes);
    onlyCrossAttention = List.copyOf(onlyCrossAttention);
    blockOutChannels = List.copyOf(blockOutChannels);
    layersPerBlock = List.copyOf(layersPerBlock);
    transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    attentionHeadDim = List.copyOf(attentionHeadDim);
    int n = downBlockTypes.size();
    check(n > 0, "down_block_types", "must name at least one block");
    for (String t : downBlockTypes) {
      check(
          t.equals(CROSS_ATTN_DOWN) || t.equals(DOWN),
          "down_block_types",
          "unsupported block type '" + t + "'; accepted: " + CROSS_ATTN_DOWN + ", " + DOWN);
    }
    check(
        upBlockTypes.size() == n,
        "up_block_types",
        "has " + upBlockTypes.size() + " entries but down_block_types has " + n);
    for (String t : upBlockTypes) {
      check(
          t.equals(CROSS_ATTN_UP) || t.equals(UP),
          "up_block_types",
          "unsupported block type '" + t + "'; accepted: " + CROSS_ATTN_UP + ", " + UP);
    }
    check(
        MID_CROSS_ATTN.equals(midBlockType),
        "mid_block_type",
        "unsupported value " + quoted(midBlockType) + "; accepted: " + MID_CROSS_ATTN);
    perBlock("block_out_channels", blockOutChannels.size(), n);
    perBlock("only_cross_attention", onlyCrossAttention.size(), n);
    perBlock("layers_per_block", layersPerBlock.size(), n);
    perBlock("transformer_layers_per_block", transformerLayersPerBlock.size(), n);
    perBlock("attention_head_dim", attentionHeadDim.size(), n);
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
    for (int i = 0; i < n; i++) {
      int heads = attentionHeadDim.get(i);
      check(
          heads > 0 && heads <= blockOutChannels.get(i),
          "attention_head_dim",
          "entry "
              + i
              + " (= number of heads) must be in 1.."
              + blockOutChannels.get(i)
              + ", got "
              + heads);
      check(
          layersPerBlock.get(i) > 0,
          "layers_per_block",
          "entries must be positive, got " + layersPerBlock.get(i));
      check(
          transformerLayersPerBlock.get(i) > 0,
          "transformer_layers_per_block",
          "entries must be positive, got " + transformerLayersPerBlock.get(i));
    }
    check(inChannels > 0, "in_channels", "must be positive, got " + inChannels);
    check(outChannels > 0, "out_channels", "must be positive, got " + outChannels);
    check(
        crossAttentionDim > 0, "cross_attention_dim", "must be positive, got " + crossAttentionDim);
    check(downsamplePadding >= 0, "downsample_padding", "must be >= 0, got " + downsamplePadding);
    check(midBlockScaleFactor != 0, "mid_block_scale_factor", "must not be 0");
    check(normEps > 0, "norm_eps", "must be positive, got " + normEps);
    check(
        "silu".equals(actFn) || "swish".equals(actFn),
        "act_fn",
        "unsupported value " + quoted(actFn) + "; accepted: silu, swish");
    check(!dualCrossAttention, "dual_cross_attention", "unsupported value true; accepted: false");
    check(
        classEmbedType == null,
        "class_embed_type",
        "unsupported value " + quoted(classEmbedType) + "; accepted: null (no class embedding)");
    check(
        additionEmbedType == null,
        "addition_embed_type",
        "unsupported value "
            + quoted(additionEmbedType)
            + "; accepted: null (SDXL-style added embeddings are not supported)");
    check(
        "positional".equals(timeEmbeddingType),
        "time_embedding_type",
        "unsupported value " + quoted(timeEmbeddingType) + "; accepted: positional");
    check(
        timeEmbeddingDim == null || timeEmbeddingDim > 0,
        "time_embedding_dim",
        "must be positive, got " + timeEmbeddingDim);
    check(
        "default".equals(resnetTimeScaleShift),
        "resnet_time_scale_shift",
        "unsupported value " + quoted(resnetTimeScaleShift) + "; accepted: default");
    check(
        convInKernel > 0 && convInKernel % 2 == 1,
        "conv_in_kernel",
        "must be a positive odd number, got " + convInKernel);
    check(
        convOutKernel > 0 && convOutKernel % 2 == 1,
        "conv_out_kernel",
        "must be a positive odd number, got " + convOutKernel);
  }

  /** Number of down (and up) blocks. */
  public int blocks() {
    return downBlockTypes.size();
  }

  /**
   * Attention heads of down block {@code i} (diffusers' num_attention_heads = attention_head_dim).
   */
  public int attentionHeads(int i) {
    return attentionHeadDim.get(i);
  }

  /** Width of the time embedding: time_embedding_dim, or 4 * block_out_channels[0]. */
  public int timeEmbedDim() {
    return timeEmbeddingDim != null ? timeEmbeddingDim : 4 * blockOutChannels.get(0);
  }

  /** The factor by which the down path shrinks H and W: 2^(blocks - 1). */
  public int downscaleFactor() {
    return 1 << (blocks() - 1);
  }

  /** Reads {@code config.json}. */
  public static UNet2DConditionConfig read(Path file) {
    return from(JsonConfig.read(file));
  }

  /** Parses a config; unsupported features are errors naming the field and the accepted values. */
  public static UNet2DConditionConfig from(JsonConfig json) {
    json = json.withoutDiffusersDefaults();
    rejectUnsupported(json);
    List<String> down =
        json.strings(
            "down_block_types", List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN));
    int n = down.size();
    try {
      return new UNet2DConditionConfig(
          json.has("sample_size") ? json.integer("sample_size", 0) : null,
          json.integer("in_channels", 4),
          json.integer("out_channels", 4),
          json.bool("center_input_sample", false),
          json.bool("flip_sin_to_cos", true),
          json.real("freq_shift", 0),
          stripResPrefix(down),
          // An explicit null means "no mid block" in diffusers; we keep it null so that it is
          // rejected.
          json.node("mid_block_type") == null
              ? MID_CROSS_ATTN
              : json.string("mid_block_type", null),
          stripResPrefix(
              json.strings(
                  "up_block_types", List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP))),
          boolOrList(json, "only_cross_attention", n),
          json.integers("block_out_channels", List.of(320, 640, 1280, 1280)),
          json.integerOrList("layers_per_block", n, Collections.nCopies(n, 2)),
          json.integer("downsample_padding", 1),
          json.real("mid_block_scale_factor", 1),
          json.real("dropout", 0),
          json.string("act_fn", "silu"),
          groups(json),
          json.real("norm_eps", 1e-5),
          crossAttentionDim(json),
          json.integerOrList("transformer_layers_per_block", n, Collections.nCopies(n, 1)),
          json.integerOrList("attention_head_dim", n, Collections.nCopies(n, 8)),
          json.bool("use_linear_projection", false),
          json.bool("upcast_attention", false),
          json.bool("dual_cross_attention", false),
          json.string("class_embed_type", null),
          json.string("addition_embed_type", null),
          json.string("time_embedding_type", "positional"),
          json.has("time_embedding_dim") ? json.integer("time_embedding_dim", 0) : null,
          json.string("resnet_time_scale_shift", "default"),
          json.integer("conv_in_kernel", 3),
          json.integer("conv_out_kernel", 3));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(json.file(), e.getMessage());
    }
  }

  /**
   * Keys that change the architecture in ways we do not implement: each must be absent, null or at
   * its default. (Keys that only affect block types we reject anyway, like {@code
   * cross_attention_norm} or {@code resnet_skip_time_act}, are ignored, as diffusers ignores them
   * here.)
   */
  private static void rejectUnsupported(JsonConfig json) {
    String[] mustBeNull = {
      "num_attention_heads", "num_class_embeds", "encoder_hid_dim", "encoder_hid_dim_type",
      "time_embedding_act_fn", "timestep_post_act", "time_cond_proj_dim",
          "reverse_transformer_layers_per_block",
    };
    for (String key : mustBeNull) {
      if (json.has(key)) {
        String why =
            key.equals("num_attention_heads")
                ? " (diffusers 0.30 itself refuses it; head counts go in attention_head_dim)"
                : "";
        throw json.error(key, "unsupported value " + json.node(key) + "; accepted: null" + why);
      }
    }
    if (json.bool("class_embeddings_concat", false)) {
      throw json.error("class_embeddings_concat", "unsupported value true; accepted: false");
    }
    String attentionType = json.string("attention_type", "default");
    if (!attentionType.equals("default")) {
      throw json.error(
          "attention_type",
          "unsupported value \""
              + attentionType
              + "\"; accepted: default (GLIGEN is not supported)");
    }
  }

  private static int groups(JsonConfig json) {
    JsonNode node = json.node("norm_num_groups");
    if (node != null && node.isNull()) {
      throw json.error("norm_num_groups", "unsupported value null; accepted: a positive integer");
    }
    return json.integer("norm_num_groups", 32);
  }

  private static int crossAttentionDim(JsonConfig json) {
    JsonNode node = json.node("cross_attention_dim");
    if (node != null && node.isArray()) {
      throw json.error(
          "cross_attention_dim",
          "a per-block list " + node + " is not supported; accepted: one integer");
    }
    return json.integer("cross_attention_dim", 1280);
  }

  private static List<Boolean> boolOrList(JsonConfig json, String key, int length) {
    JsonNode node = json.node(key);
    if (node == null || node.isNull()) return Collections.nCopies(length, false);
    if (node.isBoolean()) return Collections.nCopies(length, node.asBoolean());
    if (!node.isArray())
      throw json.error(key, "must be true, false or a list of them, got " + node);
    List<Boolean> out = new ArrayList<>();
    for (JsonNode e : node) {
      if (!e.isBoolean())
        throw json.error(key, "must be true, false or a list of them, got " + node);
      out.add(e.asBoolean());
    }
    if (out.size() != length) {
      throw json.error(
          key, "has " + out.size() + " entries, expected " + length + " (one per block)");
    }
    return out;
  }

  /**
   * diffusers maps "UNetResCrossAttnDownBlock2D" to "CrossAttnDownBlock2D" (and likewise for the
   * others).
   */
  private static List<String> stripResPrefix(List<String> types) {
    List<String> out = new ArrayList<>();
    for (String t : types) out.add(t.startsWith("UNetRes") ? t.substring(7) : t);
    return out;
  }

  private static void perBlock(String key, int size, int blocks) {
    check(
        size == blocks,
        key,
        "has " + size + " entries, expected " + blocks + " (one per block of down_block_types)");
  }

  private static void check(boolean ok, String key, String problem) {
    if (!ok) throw new IllegalArgumentException("field '" + key + "': " + problem);
  }

  private static String quoted(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }
}
