package org.altdiffusion.lora;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.keys.formats.KohyaLora;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes trained LoRA factors ({@link LoraNetwork#parameters()} names: {@code
 * unet.<path>.lora_A.weight} / {@code .lora_B.weight}) in the two formats people share, both
 * float32:
 *
 * <ul>
 *   <li>kohya/A1111 ({@link #writeKohya}): {@code lora_unet_<path with '_'>.lora_down.weight},
 *       {@code .lora_up.weight} and a 0-dimensional {@code .alpha}, with the {@code ss_*} metadata
 *       kohya's trainer writes (network module, dim, alpha, args for LoCon, output name).
 *   <li>diffusers/PEFT ({@link #writePeft}): {@code pytorch_lora_weights.safetensors} as diffusers'
 *       {@code save_lora_weights} writes it: the names as given and no alphas, which diffusers does
 *       not save; so that the file means the same change when alpha is not r, B is stored times
 *       alpha / r (the scale diffusers then applies is 1).
 * </ul>
 */
public final class LoraExport {
  private static final Pattern NAME = Pattern.compile("unet\\.(.+)\\.(lora_A|lora_B)\\.weight");

  private LoraExport() {}

  /**
   * The kohya file of {@code factors} trained with rank {@code rank} and {@code alpha}; {@code
   * outputName} goes to {@code ss_output_name}, {@code conv} says whether convolutions were among
   * the targets (LoCon: {@code ss_network_args} conv_dim / conv_alpha).
   */
  public static void writeKohya(
      Path file,
      Map<String, Tensor> factors,
      int rank,
      double alpha,
      String outputName,
      boolean conv) {
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (var e : factors.entrySet()) {
        Matcher m = match(e.getKey());
        String name = KohyaLora.UNET + m.group(1).replace('.', '_');
        boolean down = m.group(2).equals("lora_A");
        out.put(name + (down ? ".lora_down.weight" : ".lora_up.weight"), float32(e.getValue()));
        if (down)
          out.put(
              name + ".alpha",
              Tensors.fromFloats(new float[] {(float) alpha}).reshape(new long[0])); // []
      }
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("ss_network_module", "networks.lora");
      meta.put("ss_network_dim", String.valueOf(rank));
      meta.put("ss_network_alpha", number(alpha));
      if (conv)
        meta.put(
            "ss_network_args",
            "{\"conv_dim\": \"" + rank + "\", \"conv_alpha\": \"" + number(alpha) + "\"}");
      meta.put("ss_output_name", outputName);
      meta.put("ss_training_comment", "trained by altdiffusion train-unet --lora-rank");
      SafeTensors.write(file, out, meta);
    }
  }

  /** The diffusers/PEFT file of {@code factors} whose B is applied with {@code scale}. */
  public static void writePeft(Path file, Map<String, Tensor> factors, double scale) {
    try (PointerScope scope = new PointerScope()) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (var e : factors.entrySet()) {
        boolean up = match(e.getKey()).group(2).equals("lora_B");
        Tensor t = float32(e.getValue());
        out.put(e.getKey(), up && scale != 1 ? t.mul(new Scalar(scale)) : t);
      }
      SafeTensors.write(file, out, Map.of("format", "pt"));
    }
  }

  private static Matcher match(String key) {
    Matcher m = NAME.matcher(key);
    if (!m.matches())
      throw new IllegalArgumentException(
          "not a LoRA factor name: " + key + " (expected unet.<path>.lora_A/lora_B.weight)");
    return m;
  }

  private static Tensor float32(Tensor t) {
    return t.detach().to(torch.ScalarType.Float).contiguous();
  }

  private static String number(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}
