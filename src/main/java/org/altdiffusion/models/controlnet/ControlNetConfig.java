package org.altdiffusion.models.controlnet;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.models.unet.UNet2DConditionConfig;

/**
 * The {@code config.json} of a diffusers 0.30 {@code ControlNetModel}, restricted to what Stable
 * Diffusion 1.x/2.x ControlNets use. Absent or null keys take diffusers' defaults (given per
 * field); per-block values given as one number are stored once per down block.
 *
 * @param inChannels {@code in_channels}, default 4: the latent channels it reads
 * @param conditioningChannels {@code conditioning_channels}, default 3: channels of the control
 *     image
 * @param flipSinToCos {@code flip_sin_to_cos}, default true
 * @param freqShift {@code freq_shift}, default 0
 * @param downBlockTypes {@code down_block_types}, default 3 x CrossAttnDownBlock2D + DownBlock2D
 * @param onlyCrossAttention {@code only_cross_attention} (bool or per block), default false
 * @param blockOutChannels {@code block_out_channels}, default [320, 640, 1280, 1280]
 * @param layersPerBlock {@code layers_per_block}, default 2 (one number: diffusers' ControlNet
 *     takes no list)
 * @param downsamplePadding {@code downsample_padding}, default 1
 * @param midBlockScaleFactor {@code mid_block_scale_factor}, default 1
 * @param normNumGroups {@code norm_num_groups}, default 32
 * @param normEps {@code norm_eps}, default 1e-5
 * @param crossAttentionDim {@code cross_attention_dim}, default 1280 (768 SD 1.x, 1024 SD 2.x)
 * @param transformerLayersPerBlock {@code transformer_layers_per_block} (int or per block), default
 *     1
 * @param attentionHeads heads per block: {@code num_attention_heads}, or when it is null {@code
 *     attention_head_dim} (default 8; diffusers' naming bug makes it a head count)
 * @param useLinearProjection {@code use_linear_projection}, default false (SD 2.x: true)
 * @param bgrConditioning {@code controlnet_conditioning_channel_order} "bgr" (default "rgb"): the
 *     control image's channels are reversed before the conditioning embedding
 * @param conditioningEmbeddingOutChannels {@code conditioning_embedding_out_channels}, default [16,
 *     32, 96, 256]
 * @param globalPoolConditions {@code global_pool_conditions}, default false: residuals averaged
 *     over height and width (shuffle-style nets; implies guess mode)
 */
public record ControlNetConfig(
    int inChannels,
    int conditioningChannels,
    boolean flipSinToCos,
    double freqShift,
    List<String> downBlockTypes,
    List<Boolean> onlyCrossAttention,
    List<Integer> blockOutChannels,
    int layersPerBlock,
    int downsamplePadding,
    double midBlockScaleFactor,
    int normNumGroups,
    double normEps,
    int crossAttentionDim,
    List<Integer> transformerLayersPerBlock,
    List<Integer> attentionHeads,
    boolean useLinearProjection,
    boolean bgrConditioning,
    List<Integer> conditioningEmbeddingOutChannels,
    boolean globalPoolConditions) {

  /** Validates every field; errors name the config key and what is accepted. */
  public ControlNetConfig {
    downBlockTypes = List.copyOf(downBlockTypes);
    onlyCrossAttention = List.copyOf(onlyCrossAttention);
    blockOutChannels = List.copyOf(blockOutChannels);
    transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
    attentionHeads = List.copyOf(attentionHeads);
    conditioningEmbeddingOutChannels = List.copyOf(conditioningEmbeddingOutChannels);
    int n = downBlockTypes.size();
    check(n > 0, "down_block_types", "must name at least one block");
    for (String t : downBlockTypes) {
      check(
          t.equals(UNet2DConditionConfig.CROSS_ATTN_DOWN) || t.equals(UNet2DConditionConfig.DOWN),
          "down_block_types",
          "unsupported block type '"
              + t
              + "'; accepted: "
              + UNet2DConditionConfig.CROSS_ATTN_DOWN
              + ", "
              + UNet2DConditionConfig.DOWN);
    }
    perBlock("block_out_channels", blockOutChannels.size(), n);
    perBlock("only_cross_attention", onlyCrossAttention.size(), n);
    perBlock("transformer_layers_per_block", transformerLayersPerBlock.size(), n);
    perBlock("num_attention_heads / attention_head_dim", attentionHeads.size(), n);
    check(normNumGroups > 0, "norm_num_groups", "must be positive, got " + normNumGroups);
    for (int i = 0; i < n; i++) {
      int c = blockOutChannels.get(i);
      check(
          c > 0 && c % normNumGroups == 0,
          "block_out_channels",
          "every entry must be a positive multiple of norm_num_groups " + normNumGroups);
      int heads = attentionHeads.get(i);
      check(
          heads > 0 && c % heads == 0,
          "attention_head_dim",
          "entry " + i + " (= number of heads) must divide " + c + ", got " + heads);
      check(
          transformerLayersPerBlock.get(i) > 0,
          "transformer_layers_per_block",
          "entries must be positive");
    }
    check(layersPerBlock > 0, "layers_per_block", "must be positive, got " + layersPerBlock);
    check(inChannels > 0, "in_channels", "must be positive, got " + inChannels);
    check(conditioningChannels > 0, "conditioning_channels", "must be positive");
    check(crossAttentionDim > 0, "cross_attention_dim", "must be positive");
    check(midBlockScaleFactor != 0, "mid_block_scale_factor", "must not be 0");
    check(normEps > 0, "norm_eps", "must be positive");
    check(
        !conditioningEmbeddingOutChannels.isEmpty()
            && conditioningEmbeddingOutChannels.stream().allMatch(c -> c > 0),
        "conditioning_embedding_out_channels",
        "must be a non-empty list of positive channel counts");
  }

  /** Number of down blocks. */
  public int blocks() {
    return downBlockTypes.size();
  }

  /** Width of the time embedding: 4 x block_out_channels[0] (diffusers' ControlNet fixes it). */
  public int timeEmbedDim() {
    return 4 * blockOutChannels.get(0);
  }

  /** Number of down residuals it makes: conv_in's, one per resnet, one per downsampler. */
  public int downResidualCount() {
    return 1 + blocks() * layersPerBlock + (blocks() - 1);
  }

  /**
   * The ControlNet of {@code unet}'s encoder, as diffusers' {@code ControlNetModel.from_unet}: the
   * UNet's config fields, rgb channel order; an error names what diffusers' ControlNet cannot copy
   * (per-block layers_per_block, a time_embedding_dim other than 4 x block_out_channels[0], a
   * conv_in_kernel other than 3).
   *
   * @param conditioningChannels channels of the control image (diffusers' default 3)
   * @param embeddingOutChannels the conditioning embedding's widths; its stride-2 steps (entries
   *     minus one) must bring the control image to the latents' size (default [16, 32, 96, 256] for
   *     an 8x VAE)
   */
  public static ControlNetConfig fromUnet(
      UNet2DConditionConfig unet, int conditioningChannels, List<Integer> embeddingOutChannels) {
    List<String> problems = new java.util.ArrayList<>();
    if (unet.layersPerBlock().stream().distinct().count() != 1)
      problems.add(
          "layers_per_block "
              + unet.layersPerBlock()
              + " differs between blocks (a ControlNet takes one number)");
    if (unet.timeEmbedDim() != 4 * unet.blockOutChannels().get(0))
      problems.add(
          "time_embedding_dim "
              + unet.timeEmbeddingDim()
              + " is not 4 x block_out_channels[0] = "
              + 4 * unet.blockOutChannels().get(0));
    if (unet.convInKernel() != 3)
      problems.add("conv_in_kernel " + unet.convInKernel() + " is not 3");
    if (!problems.isEmpty())
      throw new IllegalArgumentException(
          "this UNet's layout cannot make a ControlNet: "
              + String.join("; ", problems)
              + " (diffusers' ControlNetModel.from_unet accepts Stable Diffusion 1.x/2.x UNets)");
    List<Integer> heads = new java.util.ArrayList<>();
    for (int i = 0; i < unet.blocks(); i++) heads.add(unet.attentionHeads(i));
    return new ControlNetConfig(
        unet.inChannels(),
        conditioningChannels,
        unet.flipSinToCos(),
        unet.freqShift(),
        unet.downBlockTypes(),
        unet.onlyCrossAttention(),
        unet.blockOutChannels(),
        unet.layersPerBlock().get(0),
        unet.downsamplePadding(),
        unet.midBlockScaleFactor(),
        unet.normNumGroups(),
        unet.normEps(),
        unet.crossAttentionDim(),
        unet.transformerLayersPerBlock(),
        heads,
        unet.useLinearProjection(),
        false,
        embeddingOutChannels,
        false);
  }

  /**
   * The {@code config.json} diffusers 0.30 reads back into this config (heads written as {@code
   * attention_head_dim}, diffusers' naming).
   */
  public java.util.Map<String, Object> toJson() {
    java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
    o.put("_class_name", "ControlNetModel");
    o.put("_diffusers_version", "0.30.3");
    o.put("act_fn", "silu");
    o.put("attention_head_dim", attentionHeads);
    o.put("block_out_channels", blockOutChannels);
    o.put("conditioning_channels", conditioningChannels);
    o.put("conditioning_embedding_out_channels", conditioningEmbeddingOutChannels);
    o.put("controlnet_conditioning_channel_order", bgrConditioning ? "bgr" : "rgb");
    o.put("cross_attention_dim", crossAttentionDim);
    o.put("down_block_types", downBlockTypes);
    o.put("downsample_padding", downsamplePadding);
    o.put("flip_sin_to_cos", flipSinToCos);
    o.put("freq_shift", freqShift);
    o.put("global_pool_conditions", globalPoolConditions);
    o.put("in_channels", inChannels);
    o.put("layers_per_block", layersPerBlock);
    o.put("mid_block_scale_factor", midBlockScaleFactor);
    o.put("mid_block_type", UNet2DConditionConfig.MID_CROSS_ATTN);
    o.put("norm_eps", normEps);
    o.put("norm_num_groups", normNumGroups);
    o.put("only_cross_attention", onlyCrossAttention);
    o.put("resnet_time_scale_shift", "default");
    o.put("transformer_layers_per_block", transformerLayersPerBlock);
    o.put("use_linear_projection", useLinearProjection);
    return o;
  }

  /** Reads {@code config.json}. */
  public static ControlNetConfig read(Path file) {
    return from(JsonConfig.read(file));
  }

  /** Parses a config; unsupported features are errors naming the field and what is accepted. */
  public static ControlNetConfig from(JsonConfig json) {
    json = json.withoutDiffusersDefaults();
    rejectUnsupported(json);
    List<String> down =
        json.strings(
            "down_block_types",
            List.of(
                UNet2DConditionConfig.CROSS_ATTN_DOWN,
                UNet2DConditionConfig.CROSS_ATTN_DOWN,
                UNet2DConditionConfig.CROSS_ATTN_DOWN,
                UNet2DConditionConfig.DOWN));
    int n = down.size();
    if (json.node("layers_per_block") != null && json.node("layers_per_block").isArray())
      throw json.error("layers_per_block", "a list is not accepted by ControlNetModel; one number");
    List<Integer> heads =
        json.has("num_attention_heads")
            ? json.integerOrList("num_attention_heads", n, null)
            : json.integerOrList("attention_head_dim", n, Collections.nCopies(n, 8));
    String order = json.string("controlnet_conditioning_channel_order", "rgb");
    if (!order.equals("rgb") && !order.equals("bgr"))
      throw json.error(
          "controlnet_conditioning_channel_order",
          "unsupported value \"" + order + "\"; accepted: rgb, bgr");
    try {
      return new ControlNetConfig(
          json.integer("in_channels", 4),
          json.integer("conditioning_channels", 3),
          json.bool("flip_sin_to_cos", true),
          json.real("freq_shift", 0),
          down,
          boolOrList(json, n),
          json.integers("block_out_channels", List.of(320, 640, 1280, 1280)),
          json.integer("layers_per_block", 2),
          json.integer("downsample_padding", 1),
          json.real("mid_block_scale_factor", 1),
          json.integer("norm_num_groups", 32),
          json.real("norm_eps", 1e-5),
          json.integer("cross_attention_dim", 1280),
          json.integerOrList("transformer_layers_per_block", n, Collections.nCopies(n, 1)),
          heads,
          json.bool("use_linear_projection", false),
          order.equals("bgr"),
          json.integers("conditioning_embedding_out_channels", List.of(16, 32, 96, 256)),
          json.bool("global_pool_conditions", false));
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(json.file(), e.getMessage());
    }
  }

  /** Keys of architectures we do not implement (SDXL's added embeddings, class embeddings...). */
  private static void rejectUnsupported(JsonConfig json) {
    for (String key :
        List.of(
            "class_embed_type",
            "num_class_embeds",
            "addition_embed_type",
            "addition_time_embed_dim",
            "projection_class_embeddings_input_dim",
            "encoder_hid_dim",
            "encoder_hid_dim_type")) {
      if (json.has(key))
        throw json.error(
            key,
            "unsupported value "
                + json.node(key)
                + "; accepted: null (Stable Diffusion 1.x/2.x ControlNets have no class or added"
                + " embeddings; SDXL ControlNets are not supported)");
    }
    String mid = json.string("mid_block_type", UNet2DConditionConfig.MID_CROSS_ATTN);
    if (!UNet2DConditionConfig.MID_CROSS_ATTN.equals(mid))
      throw json.error(
          "mid_block_type",
          "unsupported value \"" + mid + "\"; accepted: " + UNet2DConditionConfig.MID_CROSS_ATTN);
    String act = json.string("act_fn", "silu");
    if (!act.equals("silu") && !act.equals("swish"))
      throw json.error("act_fn", "unsupported value \"" + act + "\"; accepted: silu, swish");
    String shift = json.string("resnet_time_scale_shift", "default");
    if (!shift.equals("default"))
      throw json.error(
          "resnet_time_scale_shift", "unsupported value \"" + shift + "\"; accepted: default");
    if (json.node("cross_attention_dim") != null && json.node("cross_attention_dim").isArray())
      throw json.error("cross_attention_dim", "a per-block list is not supported; one integer");
  }

  private static List<Boolean> boolOrList(JsonConfig json, int n) {
    var node = json.node("only_cross_attention");
    if (node == null || node.isNull()) return Collections.nCopies(n, false);
    if (node.isBoolean()) return Collections.nCopies(n, node.asBoolean());
    List<Boolean> out = new java.util.ArrayList<>();
    for (var e : node) {
      if (!e.isBoolean())
        throw json.error("only_cross_attention", "must be true, false or a list of them");
      out.add(e.asBoolean());
    }
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
}
