package org.altdiffusion.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.keys.formats.LdmSingleFile;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * {@code altdiffusion convert}: a diffusers folder into one LDM-layout {@code .safetensors} file
 * (the keys A1111 and diffusers' {@code from_single_file} read, with the diffusers configs in the
 * file's metadata so that nothing the weights cannot tell is lost), and a single file into a
 * diffusers folder. Safetensors only; weights stay float32.
 */
public final class SingleFileConverter {
  private SingleFileConverter() {}

  /** Writes the model in diffusers folder {@code folder} as the single file {@code out}. */
  public static void toSingleFile(Path folder, Path out) {
    requireSafetensors(out);
    ModelComponents m = PipelineLoader.components(folder);
    DiffusersLayout layout = DiffusersLayout.open(folder);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> unetNames = LdmSingleFile.unetNames(m.unet().namedParameters().keySet());
    m.unet().stateDict().forEach((name, t) -> tensors.put(required(unetNames, name), t));
    Module encoder = (Module) m.textEncoder();
    String textPrefix =
        encoder instanceof RobertaSeriesModelWithTransformation
            ? LdmSingleFile.TEXT
            : LdmSingleFile.CLIP;
    encoder.stateDict().forEach((name, t) -> tensors.put(textPrefix + name, t));
    putVae(tensors, m, LdmSingleFile.VAE);
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put(SingleFileLoader.METADATA.get("unet"), configText(layout, "unet"));
    metadata.put(SingleFileLoader.METADATA.get("vae"), configText(layout, "vae"));
    metadata.put(SingleFileLoader.METADATA.get("text_encoder"), configText(layout, "text_encoder"));
    metadata.put(SingleFileLoader.METADATA.get("scheduler"), configText(layout, "scheduler"));
    SafeTensors.write(out, tensors, metadata);
  }

  /** The VAE of {@code m} under {@code prefix}, attention weights as LDM's 1x1 convolutions. */
  static void putVae(Map<String, Tensor> tensors, ModelComponents m, String prefix) {
    int upBlocks = m.vae().config.blockOutChannels().size();
    Map<String, String> names =
        LdmSingleFile.vaeNames(m.vae().namedParameters().keySet(), prefix, upBlocks);
    m.vae()
        .stateDict()
        .forEach(
            (name, t) -> {
              Tensor value =
                  LdmSingleFile.isVaeAttentionWeight(name)
                      ? t.reshape(t.size(0), t.size(1), 1, 1) // [O, I] -> [O, I, 1, 1]
                      : t;
              tensors.put(required(names, name), value);
            });
  }

  /**
   * Writes the single file {@code file} as a diffusers folder {@code out} (which must not exist or
   * be empty), with the tokenizer found as {@code options} say.
   */
  public static void toFolder(Path file, Path out, SingleFileOptions options) {
    requireEmpty(out);
    SingleFileLoader.Loaded loaded = SingleFileLoader.load(file, options);
    ModelComponents m = loaded.components();
    boolean xlmr = m.textEncoder() instanceof RobertaSeriesModelWithTransformation;
    try {
      Files.createDirectories(out);
      write(out.resolve("unet"), "config.json", loaded.configs().get("unet"));
      SafeTensors.write(
          out.resolve("unet").resolve("diffusion_pytorch_model.safetensors"),
          m.unet().stateDict(),
          Map.of("format", "pt"));
      write(out.resolve("vae"), "config.json", loaded.configs().get("vae"));
      SafeTensors.write(
          out.resolve("vae").resolve("diffusion_pytorch_model.safetensors"),
          m.vae().stateDict(),
          Map.of("format", "pt"));
      write(out.resolve("text_encoder"), "config.json", loaded.configs().get("text_encoder"));
      SafeTensors.write(
          out.resolve("text_encoder").resolve("model.safetensors"),
          ((Module) m.textEncoder()).stateDict(),
          Map.of("format", "pt"));
      write(out.resolve("scheduler"), "scheduler_config.json", loaded.configs().get("scheduler"));
      copyTokenizer(loaded.tokenizer(), out.resolve("tokenizer"));
      write(out, "model_index.json", modelIndex(xlmr, loaded.tokenizer()));
    } catch (IOException e) {
      throw new CheckpointException(out, "cannot write: " + e.getMessage(), e);
    }
  }

  private static ObjectNode modelIndex(boolean xlmr, Path tokenizer) {
    ObjectNode index = LdmConfigs.JSON.createObjectNode();
    index.put("_class_name", xlmr ? "AltDiffusionPipeline" : "StableDiffusionPipeline");
    index.put("_diffusers_version", "0.30.3");
    index.set("scheduler", pair("diffusers", "PNDMScheduler"));
    index.set(
        "text_encoder",
        pair(
            xlmr ? "diffusers" : "transformers",
            xlmr ? "RobertaSeriesModelWithTransformation" : "CLIPTextModel"));
    index.set("tokenizer", pair("transformers", tokenizerClass(tokenizer, xlmr)));
    index.set("unet", pair("diffusers", "UNet2DConditionModel"));
    index.set("vae", pair("diffusers", "AutoencoderKL"));
    index.put("requires_safety_checker", false);
    return index;
  }

  private static String tokenizerClass(Path tokenizer, boolean xlmr) {
    Path index = tokenizer.resolve("model_index.json");
    if (Files.isRegularFile(index)) {
      var node = JsonConfig.read(index).node("tokenizer");
      if (node != null && node.isArray() && node.size() == 2) return node.get(1).asText();
    }
    return xlmr ? "XLMRobertaTokenizer" : "CLIPTokenizer";
  }

  private static ArrayNode pair(String library, String className) {
    return LdmConfigs.JSON.createArrayNode().add(library).add(className);
  }

  private static void copyTokenizer(Path from, Path to) throws IOException {
    Path dir =
        Files.isRegularFile(from.resolve("model_index.json")) ? from.resolve("tokenizer") : from;
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList())
        Files.copy(f, to.resolve(f.getFileName()));
    }
  }

  private static void write(Path dir, String name, ObjectNode json) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve(name),
        LdmConfigs.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
  }

  private static String configText(DiffusersLayout layout, String component) {
    Path dir = layout.componentFolder(component);
    Path file =
        dir.resolve(component.equals("scheduler") ? "scheduler_config.json" : "config.json");
    try {
      return LdmConfigs.JSON.writeValueAsString(LdmConfigs.JSON.readTree(Files.readString(file)));
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static String required(Map<String, String> names, String name) {
    String to = names.get(name);
    if (to == null)
      throw new IllegalStateException("parameter '" + name + "' has no name in the LDM layout");
    return to;
  }

  private static void requireSafetensors(Path out) {
    if (!out.getFileName().toString().endsWith(".safetensors"))
      throw new CheckpointException(
          out, "the output must be a .safetensors file (safetensors only)");
    if (Files.exists(out)) throw new CheckpointException(out, "already exists; not overwritten");
  }

  private static void requireEmpty(Path out) {
    if (!Files.exists(out)) return;
    try (Stream<Path> entries = Files.list(out)) {
      if (entries.findAny().isPresent())
        throw new CheckpointException(out, "the output folder exists and is not empty");
    } catch (IOException e) {
      throw new CheckpointException(out, "cannot read: " + e.getMessage(), e);
    }
  }
}
