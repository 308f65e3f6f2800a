package org.altdiffusion.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Opens any checkpoint file as a {@link TensorSource}, choosing the reader from the file's first
 * bytes and its name:
 *
 * <ul>
 *   <li>{@code *.index.json} (or {@code *.index.<variant>.json}, transformers' variant index): a
 *       sharded checkpoint ({@link ShardedCheckpoint}), whose shards are opened through this class
 *       again;
 *   <li>a zip archive (PyTorch's format since 1.6), whatever its name: the PyTorch reader;
 *   <li>{@code *.safetensors}, or any file whose first bytes look like a safetensors header: {@link
 *       SafeTensors};
 *   <li>{@code *.bin, *.ckpt, *.pt, *.pth}, or a file starting with a pickle protocol marker
 *       (PyTorch's legacy format): the PyTorch reader.
 * </ul>
 *
 * Readers are looked up in a small registry by {@link Format}: this package's own, and those found
 * as {@link CheckpointReader} services (the PyTorch reader of {@code io.pytorch}, which builds on
 * this package and so is not named here).
 */
public final class Checkpoints {
  /** Checkpoint formats this class can dispatch to. */
  public enum Format {
    SAFETENSORS("safetensors"),
    PYTORCH("PyTorch (.bin/.ckpt/.pt/.pth)"),
    SHARDED("sharded checkpoint index (*.index.json)");

    private final String description;

    Format(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  private static final Map<Format, Function<Path, TensorSource>> OPENERS =
      new EnumMap<>(Format.class);

  static {
    OPENERS.put(Format.SAFETENSORS, SafeTensors::open);
    OPENERS.put(Format.SHARDED, ShardedCheckpoint::open);
    for (CheckpointReader reader :
        ServiceLoader.load(CheckpointReader.class, Checkpoints.class.getClassLoader()))
      OPENERS.putIfAbsent(reader.format(), reader::open);
  }

  private Checkpoints() {}

  /**
   * Opens {@code file} with the reader its format calls for; every problem is a {@link
   * CheckpointException}.
   */
  public static TensorSource open(Path file) {
    Format format = detect(file);
    Function<Path, TensorSource> opener = opener(format);
    if (opener == null)
      throw new CheckpointException(
          file, "no reader for " + format.description() + " checkpoints on the class path");
    return opener.apply(file);
  }

  /**
   * Replaces the reader for {@code format} (returns the previous one): lets a build plug in a
   * reader, and tests substitute one. Process-wide.
   */
  public static synchronized Function<Path, TensorSource> register(
      Format format, Function<Path, TensorSource> opener) {
    return OPENERS.put(Objects.requireNonNull(format), Objects.requireNonNull(opener));
  }

  private static synchronized Function<Path, TensorSource> opener(Format format) {
    return OPENERS.get(format);
  }

  /**
   * Whether {@code fileName} names a sharded-checkpoint index: {@code *.index.json}, also with a
   * variant as diffusers writes it ({@code x.safetensors.fp16.index.json}) or as transformers does
   * ({@code model.safetensors.index.fp16.json}).
   */
  public static boolean isIndexName(String fileName) {
    return fileName.toLowerCase(Locale.ROOT).matches(".*\\.index(\\.[a-z0-9_-]+)?\\.json");
  }

  /** The format of {@code file}, from its name and first bytes; an error if none fits. */
  public static Format detect(Path file) {
    if (Files.isDirectory(file)) {
      throw new CheckpointException(
          file,
          "is a folder, not a checkpoint file (a diffusers model folder is opened with"
              + " DiffusersLayout)");
    }
    if (!Files.exists(file)) throw new CheckpointException(file, "file not found");
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (isIndexName(name)) return Format.SHARDED;
    byte[] head = head(file, 9);
    long size = size(file);
    if (isZip(head)) return Format.PYTORCH;
    if (name.endsWith(".safetensors") || looksLikeSafetensors(head, size))
      return Format.SAFETENSORS;
    if (name.endsWith(".bin")
        || name.endsWith(".ckpt")
        || name.endsWith(".pt")
        || name.endsWith(".pth")
        || isPickle(head)) {
      return Format.PYTORCH;
    }
    throw new CheckpointException(
        file,
        "unrecognised checkpoint format; accepted: .safetensors, "
            + "PyTorch .bin/.ckpt/.pt/.pth (zip or legacy pickle), and sharded *.index.json");
  }

  private static boolean isZip(byte[] h) {
    // local file header, or the end-of-central-directory record of an empty archive
    return h.length >= 4
        && h[0] == 'P'
        && h[1] == 'K'
        && ((h[2] == 3 && h[3] == 4) || (h[2] == 5 && h[3] == 6));
  }

  private static boolean isPickle(byte[] h) {
    return h.length >= 2 && (h[0] & 0xff) == 0x80 && h[1] >= 2 && h[1] <= 5; // PROTO opcode
  }

  /**
   * A u64 header length that fits the file, followed by the start of a JSON object (maybe after
   * spaces).
   */
  private static boolean looksLikeSafetensors(byte[] h, long size) {
    if (h.length < 9) return false;
    long n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | (h[i] & 0xff);
    return n > 0
        && n <= SafeTensors.MAX_HEADER_BYTES
        && 8 + n <= size
        && (h[8] == '{' || h[8] == ' ' || h[8] == '\n' || h[8] == '\r' || h[8] == '\t');
  }

  private static byte[] head(Path file, int n) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(n);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read the file size: " + e.getMessage(), e);
    }
  }
}
