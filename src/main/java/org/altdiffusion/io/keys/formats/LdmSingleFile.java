package org.altdiffusion.io.keys.formats;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.keys.KeyMapping;
import org.altdiffusion.io.keys.Rule;
import org.altdiffusion.io.keys.ValueTransform;

/**
 * Original Stable Diffusion (LDM) / A1111 single-file checkpoints: one table per component, each
 * under its prefix, built from the diffusers parameter names of the model that will load it (so the
 * block structure, e.g. layers per block, comes from the model, as in {@link LdmUNetNames}):
 *
 * <ul>
 *   <li>{@link #UNET} {@code model.diffusion_model.}: {@code input_blocks / middle_block /
 *       output_blocks} (diffusers' {@code convert_ldm_unet_checkpoint}); with EMA weights ({@code
 *       model_ema.diffusion_model<name without dots>}) through {@link #unetEma};
 *   <li>{@link #VAE} {@code first_stage_model.} (or none, for a standalone VAE file): {@code
 *       down.N.block.M}, {@code mid.block_1}, {@code mid.attn_1.q} (1x1 convolutions read as linear
 *       weights, {@code conv_attn_to_linear}), {@code up.N} in reverse order, {@code nin_shortcut};
 *   <li>{@link #TEXT} {@code cond_stage_model.}: CLIP ViT-L ({@code transformer.text_model.*}, the
 *       transformers names), OpenCLIP ViT-H ({@code model.transformer.resblocks.N}, fused {@code
 *       in_proj_weight} split into q/k/v, the last block dropped as SD 2 uses the penultimate
 *       layer, {@code convert_open_clip_checkpoint}), and AltDiffusion's XLM-R ({@code roberta.*},
 *       {@code transformation*}, {@code pre_LN}: A1111's {@code BertSeriesModelWithTransformation}
 *       has the diffusers names).
 * </ul>
 *
 * Keys under a prefix that no rule maps stay in the view under their own name, so that strict
 * loading names them as unexpected. {@link #unetNames} and {@link #vaeNames} give the same relation
 * the other way (diffusers name to the key in the file), for writing single files.
 */
public final class LdmSingleFile {
  private LdmSingleFile() {}

  /** Prefix of the UNet's keys. */
  public static final String UNET = "model.diffusion_model.";

  /** Prefix of the VAE's keys. */
  public static final String VAE = "first_stage_model.";

  /** Prefix of the text encoder's keys. */
  public static final String TEXT = "cond_stage_model.";

  /** Prefix of CLIP ViT-L text encoders (transformers names below it). */
  public static final String CLIP = TEXT + "transformer.";

  /** Prefix of OpenCLIP text encoders. */
  public static final String OPEN_CLIP = TEXT + "model.";

  /** Prefix of EMA copies of the UNet: {@code model_ema.} + the key without dots. */
  public static final String EMA = "model_ema.";

  /** The key a diffusers UNet parameter has in a single file, per parameter name. */
  public static Map<String, String> unetNames(Collection<String> diffusersNames) {
    LdmUNetNames names = LdmUNetNames.of(modulePaths(diffusersNames));
    Map<String, String> out = new LinkedHashMap<>();
    for (String n : diffusersNames) {
      int dot = n.lastIndexOf('.');
      String ldm = names.ldmPath(n.substring(0, dot));
      if (ldm != null) out.put(n, UNET + ldm + n.substring(dot));
    }
    return out;
  }

  /** The UNet table for a model whose parameters are {@code diffusersNames}. */
  public static KeyMapping unet(Collection<String> diffusersNames) {
    return byName("LDM UNet", UNET, strip(unetNames(diffusersNames), UNET), n -> false, null);
  }

  /**
   * The UNet table over the EMA copies: {@code model_ema.diffusion_modelinput_blocks00weight} for
   * {@code model.diffusion_model.input_blocks.0.0.weight}, as diffusers' {@code extract_ema}.
   */
  public static KeyMapping unetEma(Collection<String> diffusersNames) {
    Map<String, String> flat = new LinkedHashMap<>();
    unetNames(diffusersNames).forEach((d, ldm) -> flat.put(emaKey(ldm).substring(EMA.length()), d));
    return byName("LDM UNet (EMA weights)", EMA, flat, n -> false, "decay|num_updates");
  }

  /** The EMA key of the UNet key {@code ldmKey} ({@code model.diffusion_model.X}). */
  public static String emaKey(String ldmKey) {
    return EMA + ldmKey.substring("model.".length()).replace(".", "");
  }

  /** How many EMA keys {@code keys} has; diffusers takes EMA weights when over 100. */
  public static long emaKeyCount(Collection<String> keys) {
    return keys.stream().filter(k -> k.startsWith(EMA)).count();
  }

  private static final Pattern VAE_BLOCK =
      Pattern.compile(
          "(encoder|decoder)\\.(down|up)_blocks\\.(\\d+)\\.(resnets\\.(\\d+)|(down|up)samplers\\.0)\\.(.+)");
  private static final Pattern VAE_MID =
      Pattern.compile("(encoder|decoder)\\.mid_block\\.(resnets\\.(\\d+)|attentions\\.0)\\.(.+)");
  private static final Map<String, String> VAE_ATTENTION =
      Map.of(
          "group_norm", "norm",
          "to_q", "q",
          "to_k", "k",
          "to_v", "v",
          "to_out.0", "proj_out");

  /**
   * The key (under {@code prefix}) a diffusers VAE parameter has in an LDM file, per parameter
   * name; {@code upBlocks} is the decoder's block count (LDM numbers them in reverse).
   */
  public static Map<String, String> vaeNames(
      Collection<String> diffusersNames, String prefix, int upBlocks) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String n : diffusersNames) out.put(n, prefix + vaeName(n, upBlocks));
    return out;
  }

  /**
   * The VAE table under {@code prefix} ({@link #VAE}, or "" for a standalone VAE file): attention
   * 1x1 convolutions are read as linear weights; the training loss's weights ({@code loss.*}) and
   * EMA bookkeeping ({@code model_ema.*}) that standalone VAE files carry are dropped, as A1111.
   */
  public static KeyMapping vae(Collection<String> diffusersNames, String prefix, int upBlocks) {
    return byName(
        "LDM VAE",
        prefix,
        strip(vaeNames(diffusersNames, prefix, upBlocks), prefix),
        LdmSingleFile::isVaeAttentionWeight,
        "loss\\..*|model_ema\\..*");
  }

  /** Whether a VAE's diffusers parameter is an attention weight LDM stores as a 1x1 conv. */
  public static boolean isVaeAttentionWeight(String diffusersName) {
    return diffusersName.matches(
        ".*mid_block\\.attentions\\.0\\.(to_q|to_k|to_v|to_out\\.0)\\.weight");
  }

  private static String vaeName(String n, int upBlocks) {
    Matcher m = VAE_BLOCK.matcher(n);
    if (m.matches()) {
      boolean up = m.group(2).equals("up");
      int i = Integer.parseInt(m.group(3));
      String block = m.group(1) + "." + m.group(2) + "." + (up ? upBlocks - 1 - i : i);
      String part =
          m.group(5) != null
              ? ".block." + m.group(5) + "." + vaeResnetPart(m.group(7))
              : (up ? ".upsample." : ".downsample.") + m.group(7);
      return block + part;
    }
    m = VAE_MID.matcher(n);
    if (m.matches()) {
      if (m.group(3) != null)
        return m.group(1)
            + ".mid.block_"
            + (Integer.parseInt(m.group(3)) + 1)
            + "."
            + vaeResnetPart(m.group(4));
      String rest = m.group(4);
      for (var e : VAE_ATTENTION.entrySet())
        if (rest.startsWith(e.getKey() + "."))
          return m.group(1) + ".mid.attn_1." + e.getValue() + rest.substring(e.getKey().length());
      return m.group(1) + ".mid.attn_1." + rest;
    }
    return n.replace("conv_norm_out", "norm_out");
  }

  private static String vaeResnetPart(String part) {
    return part.startsWith("conv_shortcut") ? "nin_shortcut" + part.substring(13) : part;
  }

  /** The CLIP ViT-L table: transformers names under {@code cond_stage_model.transformer.}. */
  public static final KeyMapping CLIP_TEXT =
      KeyMapping.builder("LDM CLIP text encoder").under(CLIP).build();

  /**
   * The XLM-R table of AltDiffusion single files: diffusers names under {@code cond_stage_model.}.
   */
  public static final KeyMapping XLMR_TEXT =
      KeyMapping.builder("LDM XLM-R text encoder (A1111 AltDiffusion)").under(TEXT).build();

  /**
   * The OpenCLIP table for a text model of {@code layers} transformer blocks: blocks from {@code
   * layers} on (SD 2's last block, unused as it conditions on the penultimate layer), {@code
   * text_projection}, {@code logit_scale} and {@code attn_mask} are dropped.
   */
  public static KeyMapping openClipText(int layers) {
    String layer = "transformer\\.resblocks\\.(\\d+)\\.";
    String to = "text_model.encoder.layers.$1.";
    return KeyMapping.builder("LDM OpenCLIP text encoder")
        .under(OPEN_CLIP)
        .rule(
            Rule.of(
                "drop resblocks >= " + layers,
                k -> {
                  Matcher m = Pattern.compile(layer + ".*").matcher(k);
                  return m.matches() && Integer.parseInt(m.group(1)) >= layers ? List.of() : null;
                }))
        .drop("text_projection|logit_scale|attn_mask")
        .exact("token_embedding.weight", "text_model.embeddings.token_embedding.weight")
        .exact("positional_embedding", "text_model.embeddings.position_embedding.weight")
        .regex("ln_final\\.(weight|bias)", "text_model.final_layer_norm.$1")
        .rule(
            Rule.split(
                layer + "attn\\.in_proj_(weight|bias)",
                to + "self_attn.q_proj.$2",
                to + "self_attn.k_proj.$2",
                to + "self_attn.v_proj.$2"))
        .regex(layer + "attn\\.out_proj\\.(weight|bias)", to + "self_attn.out_proj.$2")
        .regex(layer + "ln_1\\.(weight|bias)", to + "layer_norm1.$2")
        .regex(layer + "ln_2\\.(weight|bias)", to + "layer_norm2.$2")
        .regex(layer + "mlp\\.c_fc\\.(weight|bias)", to + "mlp.fc1.$2")
        .regex(layer + "mlp\\.c_proj\\.(weight|bias)", to + "mlp.fc2.$2")
        .build();
  }

  /**
   * A table of exact names under {@code prefix}; values of the model names {@code asLinear} accepts
   * are read from 1x1 convolutions as linear weights.
   */
  private static KeyMapping byName(
      String name,
      String prefix,
      Map<String, String> fileToModel,
      Predicate<String> asLinear,
      String dropped) {
    Map<String, String> table = Map.copyOf(fileToModel);
    ValueTransform linear = ValueTransform.conv1x1ToLinear();
    Rule rule =
        Rule.of(
            name + " names (" + table.size() + ")",
            k -> {
              String to = table.get(k);
              if (to == null) return null;
              return List.of(new Rule.Target(to, asLinear.test(to) ? linear : null));
            });
    KeyMapping.Builder b = KeyMapping.builder(name).under(prefix);
    if (dropped != null) b.drop(dropped);
    return b.rule(rule).build();
  }

  /** {@code diffusers -> prefix + ldm} as {@code ldm -> diffusers}. */
  private static Map<String, String> strip(Map<String, String> toFile, String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    toFile.forEach((d, f) -> out.put(f.substring(prefix.length()), d));
    return out;
  }

  private static List<String> modulePaths(Collection<String> parameterNames) {
    return parameterNames.stream()
        .filter(n -> n.contains("."))
        .map(n -> n.substring(0, n.lastIndexOf('.')))
        .distinct()
        .toList();
  }
}
