package org.altdiffusion.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;

/**
 * SHA-256 of large files (A1111's "Model hash" of a checkpoint: the first 10 hex digits), hashed
 * once per file version: the result is kept in a small properties file keyed by the absolute path
 * with the file's size and modification time, so a changed file is hashed again. A cache that
 * cannot be read or written is ignored (the hash is then computed each time).
 */
public final class FileHashes {
  private FileHashes() {}

  /**
   * The default cache: {@code $XDG_CACHE_HOME/altdiffusion/hashes.properties}, else {@code
   * ~/.cache/altdiffusion/hashes.properties}.
   */
  public static Path defaultCache() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("altdiffusion").resolve("hashes.properties");
  }

  /** The sha256 of {@code file} in hex, through {@link #defaultCache()}. */
  public static String sha256(Path file) {
    return sha256(file, defaultCache());
  }

  /** A1111's short model hash: the first 10 hex digits of the sha256. */
  public static String shortHash(Path file) {
    return sha256(file).substring(0, 10);
  }

  /** The sha256 of {@code file} in hex, cached in {@code cache} (null: no cache). */
  public static synchronized String sha256(Path file, Path cache) {
    String key = file.toAbsolutePath().normalize().toString();
    String stamp = stamp(file);
    Properties known = cache == null ? new Properties() : read(cache);
    String line = known.getProperty(key);
    if (line != null && line.startsWith(stamp + " ")) return line.substring(stamp.length() + 1);
    String hash = compute(file);
    if (cache != null) {
      known.setProperty(key, stamp + " " + hash);
      write(cache, known);
    }
    return hash;
  }

  private static String stamp(Path file) {
    try {
      return Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  private static String compute(Path file) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int r; (r = in.read(buffer)) > 0; ) sha.update(buffer, 0, r);
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static Properties read(Path cache) {
    Properties p = new Properties();
    if (!Files.isRegularFile(cache)) return p;
    try (Reader r = Files.newBufferedReader(cache)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      return new Properties(); // a damaged cache is rebuilt
    }
    return p;
  }

  private static void write(Path cache, Properties p) {
    try {
      Files.createDirectories(cache.toAbsolutePath().getParent());
      Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
      try (Writer w = Files.newBufferedWriter(tmp)) {
        p.store(w, "sha256 of model files: path = size mtime hash");
      }
      Files.move(
          tmp,
          cache,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | UnsupportedOperationException e) {
      // the cache is an optimisation only
    }
  }
}
