package org.altdiffusion.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The standalone VAEs a server offers ({@code serve --vaes DIR}, A1111's {@code models/VAE}): the
 * {@code .safetensors}/{@code .ckpt}/{@code .pt} files and diffusers vae folders (with {@code
 * config.json}) directly inside, listed by {@code /sdapi/v1/sd-vae} and chosen with the {@code
 * sd_vae} option; {@value #AUTOMATIC} and {@value #NONE} mean the model's own VAE. The folder is
 * scanned on every listing; it may be missing (then nothing is offered).
 */
public final class VaeFolder {
  public static final String AUTOMATIC = "Automatic";
  public static final String NONE = "None";

  private final Path dir;
  private volatile String selected = AUTOMATIC;

  /** The VAEs in {@code dir}; null for none. */
  public VaeFolder(Path dir) {
    this.dir = dir == null ? null : dir.toAbsolutePath().normalize();
  }

  /** The file and folder names offered, sorted. */
  public List<String> names() {
    List<String> out = new ArrayList<>();
    if (dir == null || !Files.isDirectory(dir)) return out;
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.sorted().toList()) {
        String n = p.getFileName().toString();
        String lower = n.toLowerCase(Locale.ROOT);
        boolean file =
            Files.isRegularFile(p)
                && (lower.endsWith(".safetensors")
                    || lower.endsWith(".ckpt")
                    || lower.endsWith(".pt"));
        if (!n.startsWith(".") && (file || Files.isRegularFile(p.resolve("config.json"))))
          out.add(n);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list VAE folder " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The current choice: {@value #AUTOMATIC}, {@value #NONE} or one of {@link #names()}. */
  public String selected() {
    return selected;
  }

  /**
   * Chooses {@code name} (also accepted without its extension); returns whether the choice changed.
   * An unknown name is a 404 listing the choices.
   */
  public synchronized boolean select(String name) {
    String resolved = resolve(name);
    boolean changed = !resolved.equals(selected);
    selected = resolved;
    return changed;
  }

  /** The chosen VAE's path, null when the model's own VAE is used. */
  public Path selectedPath() {
    String s = selected;
    return s.equals(AUTOMATIC) || s.equals(NONE) ? null : dir.resolve(s);
  }

  private String resolve(String name) {
    if (name.equalsIgnoreCase(AUTOMATIC)) return AUTOMATIC;
    if (name.equalsIgnoreCase(NONE)) return NONE;
    List<String> names = names();
    for (String n : names)
      if (n.equals(name) || (n.contains(".") && n.substring(0, n.lastIndexOf('.')).equals(name)))
        return n;
    throw ApiException.notFound(
        "VAE not found",
        "no VAE named '"
            + Json.abbreviate(name)
            + "'; available: "
            + AUTOMATIC
            + ", "
            + NONE
            + (names.isEmpty() ? "" : ", " + String.join(", ", names)));
  }
}
