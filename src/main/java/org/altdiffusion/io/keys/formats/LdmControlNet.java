package org.altdiffusion.io.keys.formats;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.keys.KeyMapping;
import org.altdiffusion.io.keys.Rule;

/**
 * lllyasviel's original ControlNet files ({@code control_*.pth} / {@code .safetensors}, SD 1.x and
 * SD 2.x): {@code control_model.} then the LDM UNet encoder's names ({@code time_embed}, {@code
 * input_blocks}, {@code middle_block}, as {@link LdmUNetNames}), {@code input_hint_block.0/2/../2m}
 * (the conditioning embedding's {@code conv_in}, {@code blocks.k} at {@code 2(k+1)}, {@code
 * conv_out} last), {@code zero_convs.i.0} ({@code controlnet_down_blocks.i}) and {@code
 * middle_block_out.0} ({@code controlnet_mid_block}). Files saved without the prefix (some SD 2.x
 * nets, e.g. thibaud's) are read as they are. The layouts are equal, so no value changes, as in
 * diffusers' {@code convert_controlnet_checkpoint}. The table is built from the diffusers parameter
 * names of the model to load, since the block numbering depends on its layers per block; a key that
 * no parameter has is an error naming it.
 */
public final class LdmControlNet {
  private LdmControlNet() {}

  /** The prefix of the ControlNet's keys in lllyasviel's files. */
  public static final String PREFIX = "control_model.";

  private static final Pattern HINT_BLOCK =
      Pattern.compile("controlnet_cond_embedding\\.blocks\\.(\\d+)");
  private static final Pattern ZERO_CONV = Pattern.compile("controlnet_down_blocks\\.(\\d+)");

  /** Whether {@code keys} are an original ControlNet's (with or without the prefix). */
  public static boolean matches(Set<String> keys) {
    return keys.stream()
        .anyMatch(
            k -> k.startsWith(PREFIX + "input_hint_block.") || k.startsWith("input_hint_block."));
  }

  /**
   * The table for a ControlNet whose diffusers parameter names are {@code parameterNames}; {@code
   * prefixed}: whether the file's keys start with {@link #PREFIX}.
   */
  public static KeyMapping table(Collection<String> parameterNames, boolean prefixed) {
    Collection<String> modules =
        parameterNames.stream().map(LdmControlNet::modulePath).distinct().toList();
    LdmUNetNames unet = LdmUNetNames.of(modules);
    int hintBlocks = (int) modules.stream().filter(m -> HINT_BLOCK.matcher(m).matches()).count();
    Map<String, String> ldmToDiffusers = new HashMap<>();
    for (String p : parameterNames) {
      String module = modulePath(p);
      String ldm = ldmModule(unet, module, hintBlocks);
      if (ldm != null) ldmToDiffusers.put(ldm + p.substring(module.length()), p);
    }
    return KeyMapping.builder("original ControlNet (control_model.*) names")
        .under(prefixed ? PREFIX : "")
        .rule(Rule.function("LDM ControlNet name -> diffusers name", ldmToDiffusers::get))
        .unmapped(KeyMapping.Unmapped.FAIL)
        .build();
  }

  /** The LDM path of a diffusers module path, or null when it has none. */
  private static String ldmModule(LdmUNetNames unet, String module, int hintBlocks) {
    if (module.equals("controlnet_cond_embedding.conv_in")) return "input_hint_block.0";
    if (module.equals("controlnet_cond_embedding.conv_out"))
      return "input_hint_block." + 2 * (hintBlocks + 1);
    if (module.equals("controlnet_mid_block")) return "middle_block_out.0";
    Matcher m = HINT_BLOCK.matcher(module);
    if (m.matches()) return "input_hint_block." + 2 * (Integer.parseInt(m.group(1)) + 1);
    m = ZERO_CONV.matcher(module);
    if (m.matches()) return "zero_convs." + m.group(1) + ".0";
    return unet.ldmPath(module);
  }

  /** "a.b.weight" -> "a.b". */
  private static String modulePath(String parameter) {
    return parameter.substring(0, parameter.lastIndexOf('.'));
  }
}
