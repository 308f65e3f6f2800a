package org.altdiffusion.io.keys.formats;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name a diffusers UNet layer has in the original Stable Diffusion (LDM) code, as diffusers'
 * {@code convert_ldm_unet_checkpoint} relates them: {@code down_blocks.i.resnets.j} is {@code
 * input_blocks.(1 + i(L+1) + j).0}, its attentions {@code .1}, its downsampler {@code
 * input_blocks.((i+1)(L+1)).0.op}; the mid block is {@code middle_block.0/1/2}; {@code
 * up_blocks.i.resnets.j} is {@code output_blocks.(i(L+1) + j).0}, its attentions {@code .1}, its
 * upsampler {@code output_blocks.(i(L+1) + L).1} (or {@code .2} after an attention); {@code L} the
 * layers per block. Resnet parts: {@code norm1 -> in_layers.0}, {@code conv1 -> in_layers.2},
 * {@code time_emb_proj -> emb_layers.1}, {@code norm2 -> out_layers.0}, {@code conv2 ->
 * out_layers.3}, {@code conv_shortcut -> skip_connection}; inside attentions the names are equal.
 * The block structure (L, which up blocks have attentions) is read from the diffusers paths.
 */
final class LdmUNetNames {
  private static final Pattern BLOCK =
      Pattern.compile("(down_blocks|up_blocks)\\.(\\d+)\\.(resnets|attentions)\\.(\\d+)(\\..+)?");
  private static final Pattern SAMPLER =
      Pattern.compile("(down_blocks|up_blocks)\\.(\\d+)\\.(downsamplers|upsamplers)\\.0\\.conv");
  private static final Pattern MID =
      Pattern.compile("mid_block\\.(resnets|attentions)\\.(\\d+)(\\..+)?");
  private static final Map<String, String> RESNET =
      Map.of(
          "norm1", "in_layers.0",
          "conv1", "in_layers.2",
          "time_emb_proj", "emb_layers.1",
          "norm2", "out_layers.0",
          "conv2", "out_layers.3",
          "conv_shortcut", "skip_connection");
  private static final Map<String, String> TOP =
      Map.of(
          "conv_in", "input_blocks.0.0",
          "time_embedding.linear_1", "time_embed.0",
          "time_embedding.linear_2", "time_embed.2",
          "conv_norm_out", "out.0",
          "conv_out", "out.2");

  private final int layersPerBlock;
  private final Set<Integer> upBlocksWithAttention;

  private LdmUNetNames(int layersPerBlock, Set<Integer> upBlocksWithAttention) {
    this.layersPerBlock = layersPerBlock;
    this.upBlocksWithAttention = upBlocksWithAttention;
  }

  /** The structure of the UNet whose module paths are {@code paths}. */
  static LdmUNetNames of(Collection<String> paths) {
    int layers = 0;
    Set<Integer> withAttention = new LinkedHashSet<>();
    for (String p : paths) {
      Matcher m = BLOCK.matcher(p);
      if (!m.matches()) continue;
      if (m.group(1).equals("down_blocks") && m.group(3).equals("resnets"))
        layers = Math.max(layers, Integer.parseInt(m.group(4)) + 1);
      if (m.group(1).equals("up_blocks") && m.group(3).equals("attentions"))
        withAttention.add(Integer.parseInt(m.group(2)));
    }
    return new LdmUNetNames(layers, withAttention);
  }

  /** The LDM path of diffusers path {@code path}, or null when it has none. */
  String ldmPath(String path) {
    if (TOP.containsKey(path)) return TOP.get(path);
    if (layersPerBlock == 0) return null;
    int per = layersPerBlock + 1;
    Matcher m = BLOCK.matcher(path);
    if (m.matches()) {
      int i = Integer.parseInt(m.group(2));
      int j = Integer.parseInt(m.group(4));
      boolean down = m.group(1).equals("down_blocks");
      boolean resnet = m.group(3).equals("resnets");
      String rest = m.group(5) == null ? "" : m.group(5);
      if (resnet) rest = resnetPart(rest);
      if (rest == null) return null;
      int index = down ? 1 + i * per + j : i * per + j;
      return (down ? "input_blocks." : "output_blocks.") + index + (resnet ? ".0" : ".1") + rest;
    }
    m = SAMPLER.matcher(path);
    if (m.matches()) {
      int i = Integer.parseInt(m.group(2));
      if (m.group(1).equals("down_blocks")) return "input_blocks." + (i + 1) * per + ".0.op";
      return "output_blocks."
          + (i * per + layersPerBlock)
          + (upBlocksWithAttention.contains(i) ? ".2" : ".1")
          + ".conv";
    }
    m = MID.matcher(path);
    if (m.matches()) {
      int j = Integer.parseInt(m.group(2));
      String rest = m.group(3) == null ? "" : m.group(3);
      if (m.group(1).equals("attentions")) return "middle_block.1" + rest;
      rest = resnetPart(rest);
      return rest == null ? null : "middle_block." + (j == 0 ? 0 : 2) + rest;
    }
    return null;
  }

  /** ".conv1" -> ".in_layers.2"; "" stays ""; null for a part LDM does not have. */
  private static String resnetPart(String rest) {
    if (rest.isEmpty()) return "";
    String part = rest.substring(1);
    String ldm = RESNET.get(part);
    return ldm == null ? null : "." + ldm;
  }
}
