package org.altdiffusion.io.keys.formats;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.io.keys.KeyMapping;
import org.altdiffusion.io.keys.KeyMappingException;
import org.altdiffusion.io.keys.Rule;

/**
 * kohya-ss / AUTOMATIC1111 LoRA files (also LoCon, whose extra layers are convolutions under the
 * same names): {@code lora_unet_<module path with '_' for '.'>.lora_down.weight}, {@code
 * .lora_up.weight} and {@code .alpha}, and {@code lora_te_<path>...} for the text encoder. The
 * table renames them to the diffusers/PEFT names every LoRA reader works on ({@link PeftLora}):
 * {@code unet.<path>.lora_A.weight} (down), {@code .lora_B.weight} (up) and {@code .alpha}.
 *
 * <p>Underscores are ambiguous ({@code down_blocks_0_attentions_0_proj_in} is {@code
 * down_blocks.0.attentions.0.proj_in}), so the table is built from the dotted paths of the target
 * model's layers (its {@code Module.namedModules()}, the layers a LoRA can change): each path with
 * '.' replaced by '_' names that path. UNet layers are also found under their names in the original
 * Stable Diffusion (LDM) layout ({@code lora_unet_input_blocks_1_1_proj_in}, {@code
 * middle_block_...}, {@code output_blocks_...}), derived from the same paths ({@code
 * LdmUNetNames}). A key whose name is no such path is left out of the view (listed by {@code
 * RenamedSource.unmapped()}) for the reader to report.
 *
 * <p>Not read here, refused by {@link #refusal} with the reason: the LyCORIS variants (LoHa, LoKr,
 * IA3, DoRA, full/diff).
 */
public final class KohyaLora {
  private KohyaLora() {}

  /** Key prefix of UNet layers. */
  public static final String UNET = "lora_unet_";

  /** Key prefix of text-encoder layers (SD 1.x/2.x; SDXL's two encoders are lora_te1_/te2_). */
  public static final String TEXT_ENCODER = "lora_te_";

  private static final Pattern KEY =
      Pattern.compile("(lora_unet_|lora_te_)(\\w+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");

  private static final Map<String, String> PARTS =
      Map.of(
          "lora_down.weight", "lora_A.weight", "lora_up.weight", "lora_B.weight", "alpha", "alpha");

  /** Whether {@code keys} look like a kohya file (some key starts with a kohya prefix). */
  public static boolean matches(Set<String> keys) {
    return keys.stream().anyMatch(k -> k.startsWith("lora_unet_") || k.startsWith("lora_te"));
  }

  /**
   * The table for a model whose UNet layers are at {@code unetPaths} and text-encoder layers at
   * {@code textEncoderPaths} (dotted, as {@code Module.namedModules()} lists them): kohya names to
   * {@code unet.<path>.lora_A.weight} / {@code text_encoder.<path>...}; keys of no such layer are
   * dropped from the view. A kohya name that two paths share is an error naming both.
   */
  public static KeyMapping table(
      Collection<String> unetPaths, Collection<String> textEncoderPaths) {
    Map<String, String> unet = flatNames(unetPaths);
    Map<String, String> ldm = new LinkedHashMap<>();
    LdmUNetNames names = LdmUNetNames.of(unetPaths);
    for (String p : unetPaths) {
      String l = names.ldmPath(p);
      if (l != null) ldm.put(l, p);
    }
    flatNames(ldm.keySet()).forEach((flat, l) -> unet.putIfAbsent(flat, ldm.get(l)));
    Map<String, String> te = flatNames(textEncoderPaths);
    return KeyMapping.builder("kohya LoRA names")
        .rule(
            Rule.of(
                "lora_unet_/lora_te_ <flattened module path>.{lora_down,lora_up,alpha}",
                k -> {
                  Matcher m = KEY.matcher(k);
                  if (!m.matches()) return null;
                  boolean isUnet = m.group(1).equals(UNET);
                  String path = (isUnet ? unet : te).get(m.group(2));
                  if (path == null) return null;
                  if (path.startsWith(AMBIGUOUS))
                    throw new KeyMappingException(
                        "kohya key '"
                            + k
                            + "' names two layers: "
                            + path.substring(AMBIGUOUS.length()));
                  String target =
                      (isUnet ? "unet." : "text_encoder.") + path + "." + PARTS.get(m.group(3));
                  return List.of(new Rule.Target(target, null));
                }))
        .unmapped(KeyMapping.Unmapped.DROP)
        .build();
  }

  private static final String AMBIGUOUS = "\0";

  private static Map<String, String> flatNames(Collection<String> paths) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String p : paths) {
      if (p.isEmpty()) continue;
      String flat = p.replace('.', '_');
      String before = out.putIfAbsent(flat, p);
      if (before != null && !before.equals(p))
        out.put(
            flat,
            AMBIGUOUS
                + (before.startsWith(AMBIGUOUS) ? before.substring(1) : before)
                + " and "
                + p);
    }
    return out;
  }

  /** LyCORIS key parts and what they are. */
  private static final Map<String, String> LYCORIS = new LinkedHashMap<>();

  static {
    LYCORIS.put(".hada_w1_a", "LyCORIS LoHa");
    LYCORIS.put(".lokr_w1", "LyCORIS LoKr");
    LYCORIS.put(".on_input", "LyCORIS IA3");
    LYCORIS.put(".dora_scale", "DoRA (weight-decomposed LoRA)");
    LYCORIS.put(".diff", "LyCORIS full/diff");
    LYCORIS.put(".lora_mid.weight", "LyCORIS LoCon with a CP-decomposed middle (lora_mid)");
  }

  /** Why a kohya-named file cannot be read here, naming the kind and one key; empty when it can. */
  public static Optional<String> refusal(Set<String> keys) {
    for (var e : LYCORIS.entrySet()) {
      for (String k : keys) {
        if (k.contains(e.getKey()))
          return Optional.of(
              e.getValue()
                  + " files are not supported, only LoRA/LoCon (lora_down/lora_up/alpha); key '"
                  + k
                  + "'");
      }
    }
    for (String k : keys)
      if (IA3_OR_FULL.matcher(k).matches())
        return Optional.of(
            "LyCORIS IA3 or full-weight files are not supported, only LoRA/LoCon"
                + " (lora_down/lora_up/alpha); key '"
                + k
                + "'");
    return Optional.empty();
  }

  /** A kohya-named layer with a plain {@code .weight} (IA3's scale vector, or a full weight). */
  private static final Pattern IA3_OR_FULL =
      Pattern.compile("lora_(unet|te\\d?)_\\w+\\.(weight|bias)");
}
