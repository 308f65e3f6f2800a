package org.altdiffusion.server;

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

  public FolderModelRegistry(Path root, ModelLoader loader) {
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException(
          "models folder " + root + " does not exist or is not a folder");
    this.root = root.toAbsolutePath().normalize();
    this.loader = loader;
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

  @Override
  public ImageGenerator load(String title) throws Exception {
    ModelInfo m = find(title);
    if (m == null) throw new IllegalArgumentException("no model named '" + title + "' in " + root);
    // The name comes from our own listing of root, so it resolves inside root.
    return loader.load(root.resolve(m.filename()), m.modelName());
  }
}
