package org.altdiffusion.prompt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Textual-inversion embeddings, as A1111's {@code --embeddings-dir}: every {@code .pt}, {@code
 * .bin} and {@code .safetensors} file of a folder (subfolders too) is an embedding named by its
 * file name without extension; a prompt that contains the name gets the file's vectors in place of
 * the name's tokens ({@link PromptChunker}).
 *
 * <p>Files read (as A1111's {@code create_embedding_from_data}): A1111's {@code .pt} (its {@code
 * string_to_param} dict holding one tensor, read by the safe unpickler), {@code .safetensors} with
 * one tensor ({@code emb_params}, or diffusers' {@code learned_embeds.safetensors} with the token
 * as key) and diffusers' {@code learned_embeds.bin}; one vector ([width]) or several ([n, width]).
 * A file with several tensors (SDXL's {@code clip_l}/{@code clip_g} included) is refused by name.
 * Vectors are read when a prompt first uses them, and again when the file changes.
 */
public final class Embeddings {
  /**
   * One embedding of the folder.
   *
   * @param name its file name without extension: what prompts write
   * @param path the file
   */
  public record Entry(String name, Path path) {}

  /**
   * An embedding's vectors.
   *
   * @param name the name prompts write
   * @param path the file
   * @param vectors [n, width] float32, owned by this object (not by any native scope)
   */
  public record Loaded(String name, Path path, Tensor vectors) {
    /** Number of tokens the embedding takes in a prompt. */
    public int count() {
      return (int) vectors.size(0);
    }

    public long width() {
      return vectors.size(1);
    }
  }

  private static final List<String> EXTENSIONS = List.of(".safetensors", ".pt", ".bin");
  private static final int MAX_DEPTH = 8;
  private static final Embeddings NONE = new Embeddings(null);

  private final Path root;
  private final Map<Path, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(long size, long modified, Loaded loaded) {}

  private Embeddings(Path root) {
    this.root = root;
  }

  /** No embeddings. */
  public static Embeddings none() {
    return NONE;
  }

  /** The embeddings in {@code folder} (a missing folder holds none). */
  public static Embeddings folder(Path folder) {
    return new Embeddings(folder);
  }

  /** The folder, or null for {@link #none()}. */
  public Path root() {
    return root;
  }

  /** The embeddings the folder holds now, by name; the first in path order wins a shared name. */
  public List<Entry> entries() {
    if (root == null || !Files.isDirectory(root)) return List.of();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root, MAX_DEPTH)) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(p -> stem(p) != null)
              .sorted(Comparator.comparing(Path::toString))
              .toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new IllegalStateException("cannot read the embeddings folder " + root + ": " + e, e);
    }
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (Path f : files) byName.putIfAbsent(stem(f), new Entry(stem(f), f));
    return List.copyOf(byName.values());
  }

  /** The vectors of {@code entry}, read once per file version. */
  public Loaded load(Entry entry) {
    Path p = entry.path();
    long size;
    long modified;
    try {
      size = Files.size(p);
      modified = Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      throw new CheckpointException(p, "cannot read embedding '" + entry.name() + "': " + e);
    }
    Cached c = cache.get(p);
    if (c != null && c.size == size && c.modified == modified) return c.loaded;
    Loaded loaded = new Loaded(entry.name(), p, read(entry.name(), p));
    cache.put(p, new Cached(size, modified, loaded));
    return loaded;
  }

  /** [n, width] float32 from a file holding one tensor (or A1111's string_to_param dict). */
  static Tensor read(String name, Path file) {
    try (PointerScope scope = new PointerScope();
        TensorSource source = Checkpoints.open(file)) {
      List<String> keys = new ArrayList<>(source.keys());
      if (keys.size() != 1)
        throw new CheckpointException(
            file,
            "embedding '"
                + name
                + "' holds "
                + keys.size()
                + " tensors "
                + keys
                + "; accepted: one (A1111's string_to_param or emb_params, or diffusers'"
                + " learned_embeds; SDXL embeddings with clip_l and clip_g are not supported)");
      long[] shape = source.shape(keys.get(0));
      if (shape.length < 1 || shape.length > 2 || shape[shape.length - 1] == 0)
        throw new CheckpointException(
            file,
            "embedding '"
                + name
                + "' has shape "
                + java.util.Arrays.toString(shape)
                + "; accepted: [width] or [vectors, width]");
      Tensor t = source.load(keys.get(0)); // float32
      if (!t.is_floating_point())
        throw new CheckpointException(
            file, "embedding '" + name + "' holds " + source.dtype(keys.get(0)) + ", not floats");
      Tensor vectors = shape.length == 1 ? t.view(1, shape[0]) : t; // [n, width]
      return Scopes.retain(vectors.contiguous().clone()); // outlives the scope: cached
    }
  }

  private static String stem(Path p) {
    String n = p.getFileName().toString();
    String lower = n.toLowerCase(Locale.ROOT);
    for (String e : EXTENSIONS)
      if (lower.endsWith(e) && n.length() > e.length())
        return n.substring(0, n.length() - e.length());
    return null;
  }
}
