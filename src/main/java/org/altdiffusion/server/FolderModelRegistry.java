package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.altdiffusion.pipeline.ImageGenerator;

/**
 * Models found in one folder chosen by the operator: each sub-folder holding a diffusers {@code
 * model_index.json}, and each {@code .safetensors} / {@code .ckpt} file directly inside. The folder
 * is scanned again on every listing, so models dropped in appear without a restart.
 */
public final class FolderModelRegistry implements ModelRegistry {
  private final Path root;
  private final ModelLoader loader;
  private final VaeFolder vaes;

  public FolderModelRegistry(Path root, ModelLoader loader) {
    this(root, loader, new VaeFolder(null));
  }

  /** With the standalone VAEs {@code vaes} offered (the loader reads their choice). */
  public FolderModelRegistry(Path root, ModelLoader loader, VaeFolder vaes) {
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException(
          "models folder " + root + " does not exist or is not a folder");
    this.root = root.toAbsolutePath().normalize();
    this.loader = loader;
    this.vaes = vaes;
  }

  @Override
  public VaeFolder vaes() {
    return vaes;
  }

  @Override
  public List<ModelInfo> models() {
    List<ModelInfo> out = new ArrayList<>();
    try (Stream<Path> entries = Files.list(root)) {
      for (Path p : entries.sorted(Comparator.comparing(Path::toString)).toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) continue;
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve("model_index.json"))) {
          out.add(new ModelInfo(name, name, null, null, name, "model_index.json"));
        } else if (Files.isRegularFile(p) && isCheckpointFile(name)) {
          String stem = name.substring(0, name.lastIndexOf('.'));
          out.add(new ModelInfo(name, stem, null, null, name, null));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot list models folder " + root + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static boolean isCheckpointFile(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".safetensors") || n.endsWith(".ckpt");
  }

  /** The model folder's {@value PromptExamples#FILE}, when it is a folder that has one. */
  @Override
  public List<PromptExample> shippedExamples(String title) throws IOException {
    ModelInfo m = find(title);
    if (m == null) return List.of();
    Path file = root.resolve(m.filename()).resolve(PromptExamples.FILE);
    return Files.isRegularFile(file) ? PromptExamples.read(file) : List.of();
  }

  /** A diffusers folder whose tokenizer is CLIP's (model_index.json) reads English only. */
  @Override
  public boolean englishOnly(String title) {
    ModelInfo m = find(title);
    if (m == null) return false;
    Path index = root.resolve(m.filename()).resolve("model_index.json");
    if (!Files.isRegularFile(index)) return false;
    try {
      JsonNode tokenizer = Json.MAPPER.readTree(index.toFile()).path("tokenizer");
      return tokenizer.isArray()
          && tokenizer.size() == 2
          && tokenizer.get(1).asText("").startsWith("CLIPTokenizer");
    } catch (IOException e) {
      return false; // loading the model will say what is wrong with it
    }
  }

  @Override
  public ImageGenerator load(String title) throws Exception {
    ModelInfo m = find(title);
    if (m == null) throw new IllegalArgumentException("no model named '" + title + "' in " + root);
    // The name comes from our own listing of root, so it resolves inside root.
    return loader.load(root.resolve(m.filename()), m.modelName());
  }
}
