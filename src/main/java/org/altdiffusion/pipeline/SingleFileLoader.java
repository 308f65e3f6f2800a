package org.altdiffusion.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.io.FileHashes;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.KeyMapping;
import org.altdiffusion.io.keys.formats.LdmSingleFile;
import org.altdiffusion.io.pytorch.TorchCheckpoint;
import org.altdiffusion.models.text.ClipTextConfig;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.models.text.RobertaSeriesConfig;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.models.text.TextEncoder;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.altdiffusion.nn.Module;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tokenizer.PromptTokenizer;

/**
 * Reads an LDM single-file checkpoint (A1111's {@code .safetensors}/{@code .ckpt}) into {@link
 * ModelComponents}: the configs from the weights ({@link LdmConfigs}), from the file's own metadata
 * when {@code altdiffusion convert} wrote it ({@link #METADATA}), then from a {@code --config} yaml
 * ({@link LdmYaml}); the weights through the tables of {@link LdmSingleFile}, loaded strictly; the
 * tokenizer from outside the file ({@link SingleFileOptions}).
 */
final class SingleFileLoader {
  private SingleFileLoader() {}

  /**
   * Metadata keys of files written by {@code altdiffusion convert}: the diffusers configs of the
   * components, as JSON (what the weights cannot tell, such as head counts, survives the trip).
   */
  static final Map<String, String> METADATA =
      Map.of(
          "unet", "altdiffusion.unet_config",
          "vae", "altdiffusion.vae_config",
          "text_encoder", "altdiffusion.text_encoder_config",
          "scheduler", "altdiffusion.scheduler_config");

  static ModelComponents components(Path file, SingleFileOptions options) {
    return load(file, options).components();
  }

  /**
   * A loaded single file with the diffusers configs it was read with and the folder its tokenizer
   * came from (a tokenizer folder or a diffusers model folder).
   */
  record Loaded(ModelComponents components, Map<String, ObjectNode> configs, Path tokenizer) {}

  static Loaded load(Path file, SingleFileOptions options) {
    try (TensorSource s = Checkpoints.open(file)) {
      Set<String> keys = s.keys();
      if (!keys.contains(LdmConfigs.UNET_CONV_IN))
        throw new CheckpointException(file, unknownFile(keys));
      LdmConfigs.TextKind kind = LdmConfigs.textKind(file, keys);
      Map<String, ObjectNode> configs = configs(file, s, kind);
      if (options.config() != null) LdmYaml.apply(options.config(), configs, kind);
      if (options.predictionType() != null)
        configs.get("scheduler").put("prediction_type", options.predictionType());
      UNet2DConditionModel unet = unet(file, s, configs.get("unet"), options.noEma());
      AutoencoderKL vae = vae(file, s, LdmSingleFile.VAE, configs.get("vae"));
      TextEncoder encoder = textEncoder(file, s, kind, configs.get("text_encoder"));
      Path tokenizerFolder = tokenizerFolder(file, kind, configs.get("text_encoder"), options);
      PromptTokenizer tokenizer = tokenizerIn(tokenizerFolder);
      SchedulerConfig scheduler =
          SchedulerConfig.parse(JsonConfig.of(file, configs.get("scheduler")));
      PipelineLoader.check(file, encoder, unet, vae);
      ModelComponents components =
          new ModelComponents(
              name(file),
              TextConditioning.of(tokenizer, encoder),
              unet,
              vae,
              scheduler,
              FileHashes.shortHash(file));
      return new Loaded(components, configs, tokenizerFolder);
    }
  }

  /** A1111's model name: the file name without its extension. */
  static String name(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /**
   * The configs by component name: the file's metadata when present, else read from the weights.
   */
  static Map<String, ObjectNode> configs(Path file, TensorSource s, LdmConfigs.TextKind kind) {
    Map<String, String> metadata =
        s instanceof SafeTensors.Reader r ? r.metadata() : Map.<String, String>of();
    // only pickled checkpoints carry a training step (A1111 and diffusers write none to
    // safetensors)
    OptionalLong step = s instanceof TorchCheckpoint t ? t.globalStep() : OptionalLong.empty();
    ObjectNode vae =
        stored(file, metadata, "vae")
            .orElseGet(() -> LdmConfigs.vae(file, s, LdmSingleFile.VAE, 512));
    int factor = 1 << (vae.get("block_out_channels").size() - 1);
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    out.put(
        "unet",
        stored(file, metadata, "unet").orElseGet(() -> LdmConfigs.unet(file, s, factor, step)));
    if (!metadata.containsKey(METADATA.get("vae")) && LdmConfigs.isV768(s, step))
      vae.put("sample_size", 768);
    out.put("vae", vae);
    out.put(
        "text_encoder",
        stored(file, metadata, "text_encoder").orElseGet(() -> LdmConfigs.text(file, s, kind)));
    out.put(
        "scheduler",
        stored(file, metadata, "scheduler").orElseGet(() -> LdmConfigs.scheduler(s, step)));
    return out;
  }

  private static java.util.Optional<ObjectNode> stored(
      Path file, Map<String, String> metadata, String component) {
    String text = metadata.get(METADATA.get(component));
    if (text == null) return java.util.Optional.empty();
    JsonNode node = JsonConfig.parseTree(file, text);
    if (!node.isObject())
      throw new CheckpointException(
          file, "metadata '" + METADATA.get(component) + "' is not a JSON object");
    return java.util.Optional.of((ObjectNode) node);
  }

  private static UNet2DConditionModel unet(
      Path file, TensorSource s, ObjectNode config, boolean noEma) {
    UNet2DConditionModel unet =
        new UNet2DConditionModel(UNet2DConditionConfig.from(JsonConfig.of(file, config)));
    List<String> names = List.copyOf(unet.namedParameters().keySet());
    boolean ema = !noEma && LdmSingleFile.emaKeyCount(s.keys()) > 100;
    KeyMapping table = ema ? LdmSingleFile.unetEma(names) : LdmSingleFile.unet(names);
    unet.load(table.apply(s));
    return unet;
  }

  /** A VAE whose LDM keys are under {@code prefix} in {@code s}. */
  static AutoencoderKL vae(Path file, TensorSource s, String prefix, ObjectNode config) {
    AutoencoderKL vae = new AutoencoderKL(AutoencoderKLConfig.from(JsonConfig.of(file, config)));
    int upBlocks = vae.config.blockOutChannels().size();
    vae.load(LdmSingleFile.vae(vae.namedParameters().keySet(), prefix, upBlocks).apply(s));
    return vae;
  }

  private static TextEncoder textEncoder(
      Path file, TensorSource s, LdmConfigs.TextKind kind, ObjectNode config) {
    JsonConfig json = JsonConfig.of(file, config);
    return switch (kind) {
      case CLIP -> loaded(new ClipTextModel(ClipTextConfig.from(json)), LdmSingleFile.CLIP_TEXT, s);
      case OPEN_CLIP -> {
        ClipTextModel m = new ClipTextModel(ClipTextConfig.from(json));
        yield loaded(m, LdmSingleFile.openClipText(m.config.numHiddenLayers()), s);
      }
      case XLMR ->
          loaded(
              new RobertaSeriesModelWithTransformation(RobertaSeriesConfig.from(json)),
              LdmSingleFile.XLMR_TEXT,
              s);
    };
  }

  private static <M extends Module> M loaded(M model, KeyMapping table, TensorSource s) {
    model.load(table.apply(s));
    return model;
  }

  /**
   * The tokenizer for a file's text encoder: {@code --tokenizer}, a {@code tokenizer} folder next
   * to the file, or the first model of the search list whose text encoder has the same kind and
   * vocabulary size; otherwise an error saying what to give.
   */
  static Path tokenizerFolder(
      Path file, LdmConfigs.TextKind kind, ObjectNode textConfig, SingleFileOptions options) {
    if (options.tokenizer() != null) return options.tokenizer();
    Path beside = file.toAbsolutePath().getParent().resolve("tokenizer");
    if (Files.isDirectory(beside)) return beside;
    long vocab = textConfig.get("vocab_size").asLong();
    for (Path model : options.tokenizerSearch()) {
      Path config = model.resolve("text_encoder").resolve("config.json");
      if (!Files.isRegularFile(config) || !Files.isDirectory(model.resolve("tokenizer"))) continue;
      JsonConfig c = JsonConfig.read(config);
      boolean xlmr =
          c.strings("architectures", List.of()).contains("RobertaSeriesModelWithTransformation");
      if (c.integer("vocab_size", -1) == vocab && xlmr == (kind == LdmConfigs.TextKind.XLMR))
        return model;
    }
    throw new CheckpointException(
        file,
        "a single file has no tokenizer, and none fits its "
            + kind.description
            + " with "
            + vocab
            + " tokens; give one with --tokenizer DIR (a tokenizer folder, or a diffusers model"
            + " folder with one: "
            + (kind == LdmConfigs.TextKind.XLMR
                ? "BAAI/AltDiffusion's XLM-R tokenizer"
                : kind == LdmConfigs.TextKind.CLIP
                    ? "openai/clip-vit-large-patch14's CLIP tokenizer"
                    : "stabilityai/stable-diffusion-2's tokenizer")
            + "), or put a folder named 'tokenizer' next to the file");
  }

  static PromptTokenizer tokenizerIn(Path dir) {
    if (Files.isRegularFile(dir.resolve("model_index.json")))
      return PromptTokenizer.load(DiffusersLayout.open(dir), "tokenizer");
    if (!Files.isDirectory(dir)) throw new CheckpointException(dir, "tokenizer folder not found");
    return PromptTokenizer.load(dir);
  }

  private static String unknownFile(Set<String> keys) {
    String some = String.join(", ", keys.stream().limit(5).map(k -> "'" + k + "'").toList());
    return "not a Stable Diffusion / AltDiffusion single-file checkpoint: no UNet weight '"
        + LdmConfigs.UNET_CONV_IN
        + "'; accepted: the original (LDM) layout with "
        + LdmSingleFile.UNET
        + ", "
        + LdmSingleFile.VAE
        + " and "
        + LdmSingleFile.TEXT
        + " (SD 1.x/2.x, inpainting, AltDiffusion)"
        + hint(keys)
        + "; first keys of this file: "
        + (some.isEmpty() ? "none" : some);
  }

  /** What the file looks like instead, when it is a kind we know. */
  private static String hint(Set<String> keys) {
    if (keys.stream().anyMatch(k -> k.startsWith("conditioner.embedders.")))
      return "; this looks like an SDXL checkpoint, which is not supported";
    if (keys.contains("conv_in.weight") || keys.contains("encoder.conv_in.weight"))
      return "; this looks like one component of a diffusers folder or a VAE (--vae): give the"
          + " model folder with --model";
    if (keys.stream().anyMatch(k -> k.startsWith("lora_") || k.contains(".lora_")))
      return "; this looks like a LoRA (--lora)";
    return "";
  }
}
