package org.altdiffusion.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.KeyMapping;
import org.altdiffusion.io.keys.RenamedSource;
import org.altdiffusion.io.keys.formats.KohyaLora;
import org.altdiffusion.io.keys.formats.PeftLora;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Module;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.pytorch.Tensor;

/**
 * One LoRA file read for one model: every layer it changes, resolved to that model's parameter,
 * with its factors and scale, shapes checked. Reading opens the file through {@link Checkpoints}
 * (safetensors, or .pt/.ckpt through the safe unpickler), recognises the naming ({@link KohyaLora}
 * or {@link PeftLora}) and renames to diffusers names through that table.
 *
 * <p>Problems: a file that is no LoRA, an unsupported variant (LyCORIS, DoRA, the LDM layout) or a
 * layer whose shape differs from the model's (a LoRA for another base model) is a {@link
 * LoraException}. Keys of layers the model does not have are reported through the warning sink
 * (count and first few), never dropped silently; a text-encoder part that cannot fit this model's
 * text encoder (a CLIP part on an XLM-R encoder) is one warning saying so. A file none of whose
 * layers exist in the model is an error.
 */
public final class LoraFile {
  /**
   * A change to one weight: {@code W += weight * scale * up @ down} (convolutions flattened).
   *
   * @param component {@link LoraTarget#UNET} or {@link LoraTarget#TEXT_ENCODER}
   * @param path the layer's dotted path in that component
   * @param storedName how the layer is named in the file (for messages)
   * @param weight the layer's weight parameter
   * @param down [r, in] or [r, in, k, k], float32
   * @param up [out, r] or [out, r, 1, 1], float32
   * @param scale alpha / r (1 without alpha)
   */
  public record Layer(
      String component,
      String path,
      String storedName,
      Parameter weight,
      Tensor down,
      Tensor up,
      double scale) {

    /** up @ down in the weight's shape (float32, unscaled). */
    public Tensor product() {
      long rank = down.size(0);
      Tensor d = down.reshape(rank, -1); // [r, in*k*k]
      Tensor u = up.reshape(up.size(0), rank); // [out, r]
      return u.matmul(d).reshape(weight.shape());
    }
  }

  private static final Pattern CANONICAL =
      Pattern.compile("(unet|text_encoder)\\.(.+)\\.(lora_A\\.weight|lora_B\\.weight|alpha)");

  private static final int SHOWN = 5;

  private final Path file;
  private final List<Layer> layers;

  private LoraFile(Path file, List<Layer> layers) {
    this.file = file;
    this.layers = List.copyOf(layers);
  }

  public Path file() {
    return file;
  }

  public List<Layer> layers() {
    return layers;
  }

  /** Frees the factors. */
  public void release() {
    for (Layer l : layers) {
      Scopes.release(l.down());
      Scopes.release(l.up());
    }
  }

  /** Reads {@code file} for the model parts {@code targets}; warnings go to {@code warn}. */
  public static LoraFile read(Path file, List<LoraTarget> targets, Consumer<String> warn) {
    Map<String, LoraTarget> byComponent = new LinkedHashMap<>();
    for (LoraTarget t : targets) byComponent.put(t.component(), t);
    Map<String, Map<String, Module>> layersOf = new LinkedHashMap<>();
    for (LoraTarget t : targets) layersOf.put(t.component(), t.layers());
    TensorSource source = Checkpoints.open(file);
    try {
      return read(file, source, byComponent, layersOf, warn);
    } catch (LoraException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new LoraException(file, e.getMessage(), e);
    } finally {
      source.close();
    }
  }

  private static LoraFile read(
      Path file,
      TensorSource source,
      Map<String, LoraTarget> targets,
      Map<String, Map<String, Module>> layersOf,
      Consumer<String> warn) {
    Set<String> keys = source.keys();
    if (keys.isEmpty()) throw new LoraException(file, "the file holds no tensors");
    KeyMapping table;
    Double configAlpha = null;
    if (KohyaLora.matches(keys)) {
      refuse(file, KohyaLora.refusal(keys));
      table =
          KohyaLora.table(
              layersOf.getOrDefault(LoraTarget.UNET, Map.of()).keySet(),
              layersOf.getOrDefault(LoraTarget.TEXT_ENCODER, Map.of()).keySet());
    } else if (PeftLora.matches(keys)) {
      refuse(file, PeftLora.refusal(keys));
      table = PeftLora.TABLE;
      if (keys.stream().anyMatch(k -> k.startsWith("base_model.model.")))
        configAlpha = adapterConfigAlpha(file);
    } else {
      throw new LoraException(file, notALora(keys));
    }
    TensorSource view = table.apply(source);
    List<String> unmatched =
        new ArrayList<>(view instanceof RenamedSource r ? r.unmapped() : List.of());

    // group the renamed keys by layer
    Map<String, Map<String, String>> groups = new LinkedHashMap<>(); // "unet.path" -> part -> key
    for (String k : view.keys()) {
      Matcher m = CANONICAL.matcher(k);
      if (!m.matches()) {
        unmatched.add(view.storedKey(k));
        continue;
      }
      groups
          .computeIfAbsent(m.group(1) + "." + m.group(2), g -> new LinkedHashMap<>())
          .put(m.group(3), k);
    }
    List<Layer> layers = new ArrayList<>();
    try {
      for (var g : groups.entrySet()) {
        String component =
            g.getKey().startsWith("unet.") ? LoraTarget.UNET : LoraTarget.TEXT_ENCODER;
        String path = g.getKey().substring(component.length() + 1);
        Map<String, String> parts = g.getValue();
        Module module = layersOf.getOrDefault(component, Map.of()).get(path);
        if (module == null) {
          for (String k : parts.values()) unmatched.add(view.storedKey(k));
          continue;
        }
        String down = parts.get("lora_A.weight");
        String up = parts.get("lora_B.weight");
        String any = view.storedKey(parts.values().iterator().next());
        if (down == null || up == null)
          throw new LoraException(
              file,
              "layer '"
                  + any.replaceAll("\\.(lora_\\w+\\.weight|alpha|lora_[AB]\\.weight)$", "")
                  + "' has no "
                  + (down == null ? "down (lora_down / lora_A)" : "up (lora_up / lora_B)")
                  + " weight");
        layers.add(
            layer(file, view, component, path, module, down, up, parts.get("alpha"), configAlpha));
      }
    } catch (RuntimeException e) {
      new LoraFile(file, layers).release();
      throw e;
    }
    if (layers.isEmpty())
      throw new LoraException(
          file,
          "none of its "
              + keys.size()
              + " keys names a layer of this model (first: "
              + first(new ArrayList<>(keys))
              + "): a LoRA for another kind of model");
    warnUnmatched(file, unmatched, targets, warn);
    return new LoraFile(file, layers);
  }

  private static void refuse(Path file, Optional<String> refusal) {
    if (refusal.isPresent()) throw new LoraException(file, refusal.get());
  }

  private static Layer layer(
      Path file,
      TensorSource view,
      String component,
      String path,
      Module module,
      String downKey,
      String upKey,
      String alphaKey,
      Double configAlpha) {
    Parameter weight = module.ownParameters().get("weight");
    long[] w = weight.shape();
    long[] d = view.shape(downKey);
    long[] u = view.shape(upKey);
    String name = view.storedKey(downKey).replaceAll("\\.(lora_down|lora_A)\\.weight$", "");
    boolean conv = module instanceof Conv2d;
    long rank = d.length > 0 ? d[0] : -1;
    boolean fits =
        d.length == w.length
            && u.length == w.length
            && u[1] == rank
            && u[0] == w[0]
            && d[1] == w[1]
            && (!conv || (d[2] == w[2] && d[3] == w[3] && u[2] == 1 && u[3] == 1));
    if (!fits)
      throw new LoraException(
          file,
          "layer '"
              + name
              + "' does not fit this model's "
              + component
              + " layer '"
              + path
              + "': the LoRA's down "
              + Arrays.toString(d)
              + " and up "
              + Arrays.toString(u)
              + " give a change of shape "
              + Arrays.toString(deltaShape(d, u))
              + " but the model's weight is "
              + Arrays.toString(w)
              + " (a LoRA made for another base model?)");
    double scale = 1.0;
    if (alphaKey != null) {
      double alpha = Scopes.keep(() -> view.load(alphaKey).reshape(-1)).item_double();
      if (alpha != 0) scale = alpha / rank; // kohya and A1111: no alpha, or 0, is alpha = rank
    } else if (configAlpha != null) scale = configAlpha / rank;
    Tensor down = Scopes.keep(() -> view.load(downKey).contiguous());
    Tensor up = Scopes.keep(() -> view.load(upKey).contiguous());
    return new Layer(component, path, name, weight, down, up, scale);
  }

  private static long[] deltaShape(long[] d, long[] u) {
    if (d.length < 2 || u.length < 1) return new long[0];
    long[] out = d.clone();
    out[0] = u[0];
    return out;
  }

  /** lora_alpha from the adapter_config.json beside a lone PEFT adapter; null when absent. */
  private static Double adapterConfigAlpha(Path file) {
    Path config = file.toAbsolutePath().getParent().resolve("adapter_config.json");
    if (!Files.isRegularFile(config)) return null;
    JsonNode c;
    try {
      c = new ObjectMapper().readTree(config.toFile());
    } catch (IOException e) {
      throw new LoraException(file, "cannot read " + config + ": " + e.getMessage(), e);
    }
    if (c.path("use_dora").asBoolean(false))
      throw new LoraException(file, config + " says use_dora: DoRA adapters are not supported");
    for (String pattern : List.of("rank_pattern", "alpha_pattern"))
      if (c.path(pattern).size() > 0)
        throw new LoraException(
            file, config + " has a " + pattern + ": per-layer ranks/alphas are not supported");
    JsonNode alpha = c.get("lora_alpha");
    if (alpha == null || !alpha.isNumber())
      throw new LoraException(file, config + " has no numeric lora_alpha");
    return alpha.asDouble();
  }

  private static void warnUnmatched(
      Path file, List<String> unmatched, Map<String, LoraTarget> targets, Consumer<String> warn) {
    List<String> te = new ArrayList<>();
    List<String> other = new ArrayList<>();
    for (String k : unmatched)
      (k.startsWith(KohyaLora.TEXT_ENCODER) || k.startsWith("text_encoder.") ? te : other).add(k);
    if (!te.isEmpty()) {
      LoraTarget encoder = targets.get(LoraTarget.TEXT_ENCODER);
      warn.accept(
          "LoRA "
              + file
              + ": skipped "
              + te.size()
              + " text-encoder keys (first: "
              + first(te)
              + "): "
              + (encoder == null
                  ? "this model's text encoder cannot take LoRAs"
                  : "this model's text encoder ("
                      + encoder.module().getClass().getSimpleName()
                      + ") has no layers of these names"
                      + (encoder.module().getClass().getSimpleName().contains("Roberta")
                          ? "; a LoRA trained on a CLIP text encoder cannot apply to an XLM-R one"
                          : ""))
              + "; the rest of the LoRA is applied");
    }
    if (!other.isEmpty())
      warn.accept(
          "LoRA "
              + file
              + ": "
              + other.size()
              + " keys match no layer of this model and are not applied (first: "
              + first(other)
              + ")");
  }

  private static String first(List<String> keys) {
    List<String> shown = keys.stream().limit(SHOWN).toList();
    return String.join(", ", shown) + (keys.size() > SHOWN ? ", ..." : "");
  }

  private static String notALora(Set<String> keys) {
    List<String> list = new ArrayList<>(keys);
    boolean model =
        list.stream()
            .anyMatch(
                k ->
                    k.startsWith("model.diffusion_model.")
                        || k.startsWith("first_stage_model.")
                        || k.startsWith("down_blocks.")
                        || k.startsWith("conv_in.")
                        || k.startsWith("encoder.")
                        || k.startsWith("text_model."));
    return "not a LoRA file: none of its "
        + keys.size()
        + " tensors has a LoRA name (lora_unet_..., lora_te_..., ....lora_A.weight /"
        + " .lora_B.weight; first: "
        + first(list)
        + ")"
        + (model ? "; it looks like a full model checkpoint, which is loaded with --model" : "");
  }
}
