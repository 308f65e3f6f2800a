package org.altdiffusion.lora;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The LoRA hashes AUTOMATIC1111 writes into the infotext ({@code Lora hashes: "name: 0123456789ab,
 * ..."}): for a {@code .safetensors} file kohya's "addnet" hash, the SHA-256 of the bytes after the
 * header (8-byte length and JSON header skipped, so editing metadata keeps the hash); for other
 * files the SHA-256 of the whole file. The infotext shows the first 12 hex digits.
 */
public final class LoraHashes {
  private LoraHashes() {}

  private record Stamp(Path file, long size, long modified) {}

  private static final Map<Stamp, String> CACHE = new ConcurrentHashMap<>();

  /** The full hash (64 hex digits) of {@code file}, as A1111 computes it. */
  public static String hash(Path file) {
    try {
      Stamp stamp =
          new Stamp(
              file.toAbsolutePath().normalize(),
              Files.size(file),
              Files.getLastModifiedTime(file).toMillis());
      return CACHE.computeIfAbsent(stamp, s -> compute(file));
    } catch (IOException e) {
      throw new LoraException(file, "cannot read it to hash: " + e.getMessage(), e);
    }
  }

  /** The 12 hex digits the infotext shows. */
  public static String shortHash(Path file) {
    return hash(file).substring(0, 12);
  }

  /**
   * The value of the infotext's {@code Lora hashes}: {@code name: shorthash} for each LoRA, joined
   * by ", " (name: the file name without extension, without ':' and ',', as A1111 cleans it).
   */
  public static String infotextValue(List<LoraSpec> loras) {
    List<String> parts = new ArrayList<>();
    for (LoraSpec s : loras) parts.add(name(s.file()) + ": " + shortHash(s.file()));
    return String.join(", ", parts);
  }

  /** The name A1111 shows for {@code file}: its name without the extension. */
  public static String name(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    if (dot > 0) n = n.substring(0, dot);
    return n.replace(":", "").replace(",", "");
  }

  private static String compute(Path file) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    boolean safetensors =
        file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors");
    try (InputStream in = Files.newInputStream(file)) {
      if (safetensors) {
        byte[] length = in.readNBytes(8);
        if (length.length < 8) throw new LoraException(file, "too short for a safetensors file");
        long n = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > Files.size(file) - 8)
          throw new LoraException(
              file, "its safetensors header length " + n + " runs past the end of the file");
        in.skipNBytes(n);
      }
      byte[] buffer = new byte[1 << 20];
      for (int r; (r = in.read(buffer)) > 0; ) sha.update(buffer, 0, r);
    } catch (IOException e) {
      throw new LoraException(file, "cannot read it to hash: " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
