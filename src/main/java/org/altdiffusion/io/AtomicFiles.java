package org.altdiffusion.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file whole or not at all: the bytes go to a temporary file beside the target, are
 * flushed to disk, and the temporary file is renamed onto the target. A full disk or a failing
 * device ends with an {@link IOException} naming the target and the cause, no temporary file left
 * behind and the target as it was.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Opens the temporary file for writing; tests replace it to simulate a failing device. */
  @FunctionalInterface
  public interface Opener {
    OutputStream open(Path path) throws IOException;
  }

  /** The real file system. */
  public static final Opener FILES =
      path -> Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

  /** Writes {@code bytes} to {@code target}, replacing a file there. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, bytes, true, FILES);
  }

  /**
   * Writes {@code bytes} to {@code target}, which must not exist yet.
   *
   * @throws FileAlreadyExistsException when it does (nothing was written)
   */
  public static void writeNew(Path target, byte[] bytes) throws IOException {
    write(target, bytes, false, FILES);
  }

  /**
   * Writes {@code bytes} to {@code target} through {@code opener}.
   *
   * @param replace whether an existing target is replaced (else {@link FileAlreadyExistsException})
   */
  public static void write(Path target, byte[] bytes, boolean replace, Opener opener)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    Files.delete(tmp); // the opener creates it anew (CREATE_NEW), as a real write would
    try {
      try (OutputStream out = opener.open(tmp)) {
        out.write(bytes);
      }
      try (FileChannel written = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        written.force(true); // on disk before the rename makes it visible
      }
      if (replace)
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      else Files.move(tmp, target); // fails when the target exists
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(tmp);
      throw e;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw new IOException(
          "could not write "
              + target
              + " ("
              + bytes.length
              + " bytes): "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
              + "; nothing was written there"
              + (replace && Files.exists(target) ? " and the file already there is unchanged" : ""),
          e);
    }
  }
}
