package org.altdiffusion.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.altdiffusion.models.controlnet.ControlNetModel;

/**
 * The ControlNets of {@code serve --controlnets DIR}, read at each request as sd-webui-controlnet
 * reads its models folder: every file ending in .safetensors/.pth/.pt/.ckpt/.bin under it
 * (recursively) and every diffusers folder (config.json + diffusion_pytorch_model.safetensors),
 * each titled "NAME [HASH8]" with A1111's short file hash (sha256 of the 64 KiB at offset 1 MiB).
 */
final class ControlNetFolder {
  private static final Set<String> EXTENSIONS =
      Set.of(".safetensors", ".pth", ".pt", ".ckpt", ".bin");
  private static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";

  /** One ControlNet: its name (file stem or folder name), title with hash, and path. */
  record Entry(String name, String title, Path path) {}

  private final Path root;

  ControlNetFolder(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** The ControlNets now in the folder, sorted by name (none when the folder is missing). */
  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    if (Files.isDirectory(root)) scan(root, out);
    out.sort(Comparator.comparing(Entry::name));
    return out;
  }

  private static void scan(Path dir, List<Entry> out) {
    if (Files.isRegularFile(dir.resolve("config.json"))
        && Files.isRegularFile(dir.resolve(DIFFUSERS_WEIGHTS))) {
      String name = dir.getFileName().toString();
      out.add(new Entry(name, title(name, dir.resolve(DIFFUSERS_WEIGHTS)), dir));
      return;
    }
    try (Stream<Path> children = Files.list(dir)) {
      for (Path p : children.sorted().toList()) {
        if (Files.isDirectory(p)) scan(p, out);
        else if (EXTENSIONS.contains(extension(p))) {
          String file = p.getFileName().toString();
          String name = file.substring(0, file.length() - extension(p).length());
          if (!name.equals("None")) out.add(new Entry(name, title(name, p), p));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the ControlNet folder " + dir, e);
    }
  }

  private static String extension(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    int dot = n.lastIndexOf('.');
    return dot < 0 ? "" : n.substring(dot);
  }

  private static String title(String name, Path weights) {
    return name + " [" + shortHash(weights) + "]";
  }

  /** A1111's model_hash: the first 8 hex digits of sha256 over the 64 KiB at offset 1 MiB. */
  static String shortHash(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      long skipped = in.skip(0x100000);
      byte[] chunk = skipped < 0x100000 ? new byte[0] : in.readNBytes(0x10000);
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(chunk);
      return HexFormat.of().formatHex(digest).substring(0, 8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The ControlNet {@code model} names, as the extension finds it: its exact title, else its name
   * without the hash (case-insensitive), else the shortest name containing it.
   *
   * @throws ApiException 422 for "None", an empty name or an unknown one (listing the titles)
   */
  Entry resolve(String field, String model) {
    List<Entry> all = entries();
    String m = model == null ? "" : model.strip();
    if (!m.isEmpty() && !m.equals("None")) {
      for (Entry e : all) if (e.title().equals(m)) return e;
      String lower = m.toLowerCase(Locale.ROOT);
      String bare = lower.replaceFirst("\\s*\\[[0-9a-f]{8,10}\\]$", "");
      for (Entry e : all) if (e.name().toLowerCase(Locale.ROOT).equals(bare)) return e;
      Entry best = null;
      for (Entry e : all)
        if (e.name().toLowerCase(Locale.ROOT).contains(bare)
            && (best == null || e.name().length() < best.name().length())) best = e;
      if (best != null) return best;
    }
    throw ApiException.invalid(
        field
            + ": "
            + (m.isEmpty() || m.equals("None")
                ? "no ControlNet model selected"
                : "unknown ControlNet model '" + Json.abbreviate(m) + "'")
            + "; accepted: "
            + (all.isEmpty()
                ? "none (this server's ControlNet folder "
                    + root
                    + " holds none; start it with --controlnets DIR)"
                : String.join(", ", all.stream().map(Entry::title).toList())));
  }

  /** Loads the ControlNet of {@code e} (a bad file is a 422 naming it). */
  static ControlNetModel load(Entry e) {
    try {
      return ControlNetModel.load(e.path());
    } catch (IllegalArgumentException | IllegalStateException | UncheckedIOException ex) {
      throw ApiException.invalid("ControlNet " + e.title() + ": " + ex.getMessage());
    }
  }
}
