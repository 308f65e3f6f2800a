package org.altdiffusion.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.altdiffusion.io.SafeTensors;

/**
 * A folder of LoRA files ({@code .safetensors}, {@code .pt}, {@code .ckpt}, in subfolders too),
 * each named by its file name without extension, as A1111's {@code --lora-dir}. The folder is read
 * when made and on {@link #refresh()}; a missing folder holds no LoRA.
 *
 * <p>A name is a file name only: one with a path separator or {@code ..} is refused, so a prompt
 * cannot reach files outside the folder. When two files share a name the first in path order wins.
 */
public final class LoraFolder {
  /**
   * One LoRA of the folder.
   *
   * @param name its file name without extension
   * @param alias the name its trainer gave it ({@code ss_output_name} of a safetensors file's
   *     metadata), else the name; prompts may use either
   * @param path the file
   * @param metadata a safetensors file's {@code __metadata__} (empty for other files)
   */
  public record Entry(String name, String alias, Path path, Map<String, String> metadata) {
    public Entry {
      metadata = Map.copyOf(metadata);
    }
  }

  private static final List<String> EXTENSIONS = List.of(".safetensors", ".pt", ".ckpt");
  private static final int MAX_DEPTH = 8;

  private final Path root;
  private volatile List<Entry> entries = List.of();

  /** The folder {@code root}, read at once. */
  public LoraFolder(Path root) {
    this.root = root;
    refresh();
  }

  public Path root() {
    return root;
  }

  /** The LoRAs as last read, by path. */
  public List<Entry> entries() {
    return entries;
  }

  /** Reads the folder again (new, removed and renamed files); returns what it holds now. */
  public synchronized List<Entry> refresh() {
    List<Entry> found = new ArrayList<>();
    if (Files.isDirectory(root)) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(root, MAX_DEPTH)) {
        files =
            walk.filter(Files::isRegularFile)
                .filter(p -> stem(p) != null)
                .sorted(Comparator.comparing(Path::toString))
                .toList();
      } catch (IOException | java.io.UncheckedIOException e) {
        throw new IllegalStateException("cannot read the LoRA folder " + root + ": " + e, e);
      }
      Map<String, Entry> byName = new LinkedHashMap<>();
      for (Path f : files) {
        String name = stem(f);
        if (byName.containsKey(name)) continue;
        Map<String, String> metadata = metadata(f);
        String alias = metadata.getOrDefault("ss_output_name", name);
        byName.put(name, new Entry(name, alias.isBlank() ? name : alias, f, metadata));
      }
      found.addAll(byName.values());
    }
    entries = List.copyOf(found);
    return entries;
  }

  /**
   * The LoRA named {@code name} (its file name without extension, else its alias).
   *
   * @throws IllegalArgumentException for a name with a path in it, or one the folder lacks; the
   *     message lists the known names
   */
  public Entry find(String name) {
    if (name.contains("/") || name.contains("\\") || name.equals("..") || name.equals("."))
      throw new IllegalArgumentException(
          "LoRA name '" + name + "': give a file name of the LoRA folder " + root + ", not a path");
    List<Entry> now = entries;
    for (Entry e : now) if (e.name().equals(name)) return e;
    for (Entry e : now) if (e.alias().equals(name)) return e;
    StringBuilder m = new StringBuilder("unknown LoRA '" + name + "': ");
    if (!Files.isDirectory(root))
      m.append("the LoRA folder ").append(root).append(" does not exist");
    else if (now.isEmpty()) m.append("the LoRA folder ").append(root).append(" holds none");
    else {
      m.append("known in ").append(root).append(": ");
      m.append(String.join(", ", now.stream().map(Entry::name).toList()));
    }
    throw new IllegalArgumentException(m.toString());
  }

  /** The LoRAs the tags name, with their weights, in the tags' order. */
  public List<LoraSpec> specs(List<LoraPrompt.Tag> tags) {
    List<LoraSpec> specs = new ArrayList<>();
    for (LoraPrompt.Tag t : tags)
      specs.add(new LoraSpec(find(t.name()).path(), t.textEncoderWeight(), t.unetWeight()));
    return specs;
  }

  /** The name of a LoRA file (without its extension), or null for another file. */
  static String stem(Path file) {
    String n = file.getFileName().toString();
    String lower = n.toLowerCase(Locale.ROOT);
    for (String ext : EXTENSIONS)
      if (lower.endsWith(ext) && n.length() > ext.length())
        return n.substring(0, n.length() - ext.length());
    return null;
  }

  private static Map<String, String> metadata(Path file) {
    if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors"))
      return Map.of();
    try (SafeTensors.Reader r = SafeTensors.open(file)) {
      return r.metadata() == null ? Map.of() : r.metadata();
    } catch (RuntimeException e) {
      return Map.of(); // listed all the same; using it reports the problem
    }
  }
}
