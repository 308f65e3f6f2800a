package org.altdiffusion.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A diffusers pipeline folder: {@code model_index.json} naming the pipeline class and its
 * components, one sub-folder per component holding its config and weights. This class reads the
 * layout only; model configs (UNet, VAE, ...) are read by the models from {@link #config}.
 *
 * <pre>
 * model_index.json             {"_class_name": "AltDiffusionPipeline", "_diffusers_version": "0.x",
 *                               "unet": ["diffusers", "UNet2DConditionModel"], ...,
 *                               "safety_checker": [null, null], "requires_safety_checker": false}
 * unet/config.json             + weights, see {@link #weightsFile}
 * scheduler/scheduler_config.json
 * tokenizer/...                (files of the tokenizer, no weights)
 * </pre>
 */
public final class DiffusersLayout {
  /** One {@code "name": [library, class]} entry of model_index.json. */
  public record Component(String name, String library, String className) {
    /** "unet (diffusers.UNet2DConditionModel)". */
    @Override
    public String toString() {
      return name + " (" + library + "." + className + ")";
    }
  }

  /**
   * model_index.json, typed.
   *
   * @param pipelineClass {@code _class_name}, e.g. AltDiffusionPipeline (required)
   * @param diffusersVersion {@code _diffusers_version} of the writer; null when absent
   * @param components present components by name, in file order; entries {@code [null, null]} (a
   *     component saved as None, e.g. a disabled safety checker) are left out
   * @param absent names of components saved as {@code [null, null]}
   * @param options the other public fields, passed to the pipeline as arguments by the reference
   *     (e.g. {@code requires_safety_checker}); fields starting with '_' are dropped
   */
  public record ModelIndex(
      String pipelineClass,
      String diffusersVersion,
      Map<String, Component> components,
      List<String> absent,
      Map<String, JsonNode> options) {}

  /** File-name conventions for weights: diffusers models vs transformers models (text encoders). */
  public enum Naming {
    /** diffusers ModelMixin: {@code diffusion_pytorch_model.*}. */
    DIFFUSERS("diffusion_pytorch_model"),
    /** transformers PreTrainedModel: {@code model.safetensors} / {@code pytorch_model.bin}. */
    TRANSFORMERS("model");

    private final String stem;

    Naming(String stem) {
      this.stem = stem;
    }

    /**
     * Candidate weight files in the reference's order of preference, with the variant (e.g. fp16)
     * spelled as each library spells it. diffusers checks the sharded safetensors index before the
     * single file, transformers the other way round; both prefer safetensors to pickles. (By
     * default diffusers never looks for a .bin index; we accept one after the single .bin.)
     */
    public List<String> candidates(String variant) {
      if (this == DIFFUSERS) {
        return List.of(
            withVariant(stem + ".safetensors.index.json", variant),
            withVariant(stem + ".safetensors", variant),
            withVariant(stem + ".bin", variant),
            withVariant(stem + ".bin.index.json", variant));
      }
      return List.of(
          withVariant("model.safetensors", variant),
          withVariant("model.safetensors.index.json", variant),
          withVariant("pytorch_model.bin", variant),
          withVariant("pytorch_model.bin.index.json", variant));
    }

    /**
     * The variant goes before the last extension ({@code model.fp16.safetensors}); for an index,
     * diffusers puts it before {@code .index.json} ({@code x.safetensors.fp16.index.json}) and
     * transformers before {@code .json} ({@code model.safetensors.index.fp16.json}).
     */
    String withVariant(String file, String variant) {
      if (variant == null) return file;
      List<String> parts = new ArrayList<>(Arrays.asList(file.split("\\.")));
      int at =
          this == DIFFUSERS && file.endsWith(".index.json") ? parts.size() - 2 : parts.size() - 1;
      parts.add(at, variant);
      return String.join(".", parts);
    }
  }

  /**
   * Classes defined outside transformers whose weights follow transformers' naming (they subclass
   * its PreTrainedModel): AltDiffusion's text encoder and the safety checker.
   */
  private static final Set<String> TRANSFORMERS_MODELS =
      Set.of("RobertaSeriesModelWithTransformation", "StableDiffusionSafetyChecker");

  private final Path folder;
  private final Path indexFile;
  private final ModelIndex index;

  private DiffusersLayout(Path folder, Path indexFile, ModelIndex index) {
    this.folder = folder;
    this.indexFile = indexFile;
    this.index = index;
  }

  /** Reads {@code folder}/model_index.json. */
  public static DiffusersLayout open(Path folder) {
    if (!Files.isDirectory(folder)) {
      throw new CheckpointException(
          folder,
          Files.exists(folder)
              ? "is a file; expected a diffusers model folder holding model_index.json"
              : "folder not found; expected a diffusers model folder holding model_index.json");
    }
    Path indexFile = folder.resolve("model_index.json");
    if (!Files.isRegularFile(indexFile)) {
      throw new CheckpointException(
          folder,
          "has no model_index.json: not a diffusers pipeline folder (a single component folder"
              + " holds config.json and weights; see DiffusersLayout.findWeights)");
    }
    return new DiffusersLayout(folder, indexFile, parseIndex(JsonConfig.read(indexFile)));
  }

  /** Parses a model_index.json already read as {@code json}. */
  public static ModelIndex parseIndex(JsonConfig json) {
    JsonNode cls = json.node("_class_name");
    if (cls == null || cls.isNull())
      throw json.error("_class_name", "missing: model_index.json must name the pipeline class");
    if (cls.isArray()) {
      throw json.error(
          "_class_name",
          "names a custom pipeline "
              + cls
              + " (code shipped with the model); only built-in pipelines are supported");
    }
    if (!cls.isTextual()) throw json.error("_class_name", "must be a string, got " + cls);
    String version = json.string("_diffusers_version", null);
    Map<String, Component> components = new LinkedHashMap<>();
    List<String> absent = new ArrayList<>();
    Map<String, JsonNode> options = new LinkedHashMap<>();
    for (String key : json.keys()) {
      if (key.startsWith("_")) continue;
      JsonNode v = json.node(key);
      if (!v.isArray()) {
        options.put(key, v);
        continue;
      }
      if (v.size() != 2) throw json.error(key, "a component must be [library, class], got " + v);
      JsonNode lib = v.get(0);
      JsonNode c = v.get(1);
      if (lib.isNull() && c.isNull()) {
        absent.add(key);
      } else if (lib.isTextual() && c.isTextual()) {
        components.put(key, new Component(key, lib.asText(), c.asText()));
      } else {
        throw json.error(
            key,
            "a component must be [library, class] (two strings, or null twice for none), got " + v);
      }
    }
    return new ModelIndex(
        cls.asText(),
        version,
        Collections.unmodifiableMap(components),
        List.copyOf(absent),
        Collections.unmodifiableMap(options));
  }

  public Path folder() {
    return folder;
  }

  public ModelIndex index() {
    return index;
  }

  /** Fails unless the pipeline class is one of {@code accepted}. */
  public String requirePipeline(String... accepted) {
    if (!List.of(accepted).contains(index.pipelineClass())) {
      throw new CheckpointException(
          indexFile,
          "pipeline class '"
              + index.pipelineClass()
              + "' is not supported; supported: "
              + String.join(", ", accepted));
    }
    return index.pipelineClass();
  }

  /** The component called {@code name}, if model_index.json lists it (and not as [null, null]). */
  public Optional<Component> optionalComponent(String name) {
    return Optional.ofNullable(index.components().get(name));
  }

  /** The component called {@code name}; an error when model_index.json lacks it. */
  public Component component(String name) {
    Component c = index.components().get(name);
    if (c != null) return c;
    if (index.absent().contains(name)) {
      throw new CheckpointException(
          indexFile,
          "component '" + name + "' is saved as [null, null] (none), but it is required");
    }
    throw new CheckpointException(
        indexFile,
        "has no component '"
            + name
            + "'; it lists: "
            + String.join(", ", index.components().keySet()));
  }

  /** The component called {@code name}, which must be of one of the classes {@code accepted}. */
  public Component component(String name, String... accepted) {
    Component c = component(name);
    if (!List.of(accepted).contains(c.className())) {
      throw new CheckpointException(
          indexFile,
          "component '"
              + name
              + "' is "
              + c.library()
              + "."
              + c.className()
              + ", which is not supported; supported: "
              + String.join(", ", accepted));
    }
    return c;
  }

  /** The component's folder; an error naming it when it does not exist. */
  public Path componentFolder(String name) {
    Component c = component(name);
    Path dir = folder.resolve(name);
    if (!Files.isDirectory(dir)) {
      throw new CheckpointException(
          dir, "folder of component " + c + " not found (model_index.json lists it)");
    }
    return dir;
  }

  /**
   * The component's config: {@code scheduler_config.json} for schedulers, {@code
   * tokenizer_config.json} for tokenizers, {@code preprocessor_config.json} for feature extractors
   * and image processors, {@code config.json} for models.
   */
  public JsonConfig config(String name) {
    Component c = component(name);
    Path file = componentFolder(name).resolve(configFileName(c));
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(file, "config of component " + c + " not found");
    }
    return JsonConfig.read(file);
  }

  static String configFileName(Component c) {
    String cls = c.className();
    if (cls.endsWith("Scheduler")) return "scheduler_config.json";
    if (cls.contains("Tokenizer")) return "tokenizer_config.json";
    if (cls.contains("FeatureExtractor") || cls.contains("ImageProcessor"))
      return "preprocessor_config.json";
    return "config.json";
  }

  /** The naming convention of the component's weights. */
  public static Naming naming(Component c) {
    return c.library().equals("transformers") || TRANSFORMERS_MODELS.contains(c.className())
        ? Naming.TRANSFORMERS
        : Naming.DIFFUSERS;
  }

  /**
   * The component's weight file (a single checkpoint or a sharded index), by the reference's order
   * of preference; {@code variant} (e.g. "fp16") or null for the default weights.
   */
  public Path weightsFile(String name, String variant) {
    Component c = component(name);
    return findWeights(componentFolder(name), naming(c), variant);
  }

  /** Opens the component's weights (see {@link #weightsFile}) with {@link Checkpoints#open}. */
  public TensorSource openWeights(String name, String variant) {
    return Checkpoints.open(weightsFile(name, variant));
  }

  /**
   * The weights in a component folder: the first existing file of {@code naming}'s candidates, then
   * of the other naming's (folders written by hand sometimes mix them up). An error lists what was
   * looked for, and says so when only other variants exist.
   */
  public static Path findWeights(Path componentFolder, Naming naming, String variant) {
    if (variant != null && (variant.isEmpty() || !variant.matches("[A-Za-z0-9_-]+"))) {
      throw new IllegalArgumentException(
          "variant must be a plain word such as fp16, got '" + variant + "'");
    }
    if (!Files.isDirectory(componentFolder))
      throw new CheckpointException(componentFolder, "component folder not found");
    Naming other = naming == Naming.DIFFUSERS ? Naming.TRANSFORMERS : Naming.DIFFUSERS;
    List<String> tried = new ArrayList<>(naming.candidates(variant));
    tried.addAll(other.candidates(variant));
    for (String candidate : tried) {
      Path f = componentFolder.resolve(candidate);
      if (Files.isRegularFile(f)) return f;
    }
    List<String> present = weightLikeFiles(componentFolder);
    String hint =
        present.isEmpty()
            ? "; the folder holds no .safetensors/.bin/.index.json file"
            : "; the folder holds "
                + String.join(", ", present)
                + (variant == null ? " (a variant such as fp16 must be asked for)" : "");
    throw new CheckpointException(
        componentFolder,
        "no weights found"
            + (variant == null ? "" : " for variant '" + variant + "'")
            + "; expected one of "
            + String.join(", ", tried)
            + hint);
  }

  private static List<String> weightLikeFiles(Path dir) {
    try (var files = Files.list(dir)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(
              n ->
                  n.endsWith(".safetensors")
                      || n.endsWith(".bin")
                      || n.endsWith(".json") && n.contains(".index."))
          .sorted()
          .limit(8)
          .toList();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }
}
