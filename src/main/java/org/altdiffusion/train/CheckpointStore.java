package org.altdiffusion.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The resume checkpoints of a run: folders {@code step-00000100/} under one directory. A checkpoint
 * is written into a temporary folder, every file flushed to disk, then renamed into place in one
 * atomic step: a crash or a full disk during the write leaves the previous checkpoints untouched
 * and no half-written folder under a {@code step-*} name.
 */
public final class CheckpointStore {
  /** Writes the files of one checkpoint into an (empty, temporary) folder. */
  public interface Contents {
    void writeInto(Path folder) throws IOException;
  }

  /** Called after each file of a checkpoint is written; tests use it to fail a write half way. */
  interface FileHook {
    void written(Path file) throws IOException;
  }

  private static final Pattern NAME = Pattern.compile("step-(\\d{8,})");
  private final Path dir;
  private FileHook hook = f -> {};

  public CheckpointStore(Path dir) {
    this.dir = dir;
  }

  void setHook(FileHook hook) {
    this.hook = hook;
  }

  public Path dir() {
    return dir;
  }

  public static String name(long step) {
    return String.format("step-%08d", step);
  }

  /** Complete checkpoints, oldest first. */
  public List<Path> list() {
    if (!Files.isDirectory(dir)) return List.of();
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(
              p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(CheckpointStore::stepOf))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
    }
  }

  public Optional<Path> latest() {
    List<Path> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  public static long stepOf(Path checkpoint) {
    Matcher m = NAME.matcher(checkpoint.getFileName().toString());
    if (!m.matches())
      throw new IllegalArgumentException(
          checkpoint + " is not a checkpoint folder (step-NNNNNNNN)");
    return Long.parseLong(m.group(1));
  }

  /** Removes temporary folders a killed run left behind. */
  public void cleanStale() throws IOException {
    if (!Files.isDirectory(dir)) return;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList())
        deleteTree(p);
    }
  }

  /**
   * Writes checkpoint {@code step} atomically and keeps the newest {@code keep}. On failure the
   * temporary folder is removed and the exception names the write that failed.
   */
  public Path write(long step, Contents contents, int keep) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve(name(step));
    Path tmp = dir.resolve(".tmp-" + name(step) + "-" + ProcessHandle.current().pid());
    deleteTree(tmp);
    try {
      Files.createDirectory(tmp);
      contents.writeInto(tmp);
      try (Stream<Path> files = Files.list(tmp)) {
        for (Path f : files.sorted().toList()) {
          sync(f);
          hook.written(f);
        }
      }
      sync(tmp);
      if (Files.exists(target)) {
        Path old = dir.resolve(".tmp-old-" + name(step));
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + dir + " cannot rename folders atomically", e);
      }
      sync(dir);
    } catch (IOException | RuntimeException e) {
      try {
        deleteTree(tmp);
      } catch (IOException ignored) {
        // the write already failed; a stale temporary folder is removed by the next run
      }
      throw new IOException("writing checkpoint " + target + " failed (" + e.getMessage() + ")", e);
    }
    List<Path> all = list();
    for (int i = 0; i < all.size() - keep; i++) deleteTree(all.get(i));
    return target;
  }

  private static void sync(Path p) throws IOException {
    try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
      c.force(true);
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
    }
  }

  /** Every file a complete checkpoint folder must hold; throws naming the missing ones. */
  public static void checkComplete(Path checkpoint, List<String> required) {
    if (!Files.isDirectory(checkpoint))
      throw new IllegalArgumentException("no checkpoint folder " + checkpoint);
    List<String> missing = new ArrayList<>();
    for (String r : required) if (!Files.isRegularFile(checkpoint.resolve(r))) missing.add(r);
    if (!missing.isEmpty())
      throw new IllegalArgumentException(
          "checkpoint " + checkpoint + " is incomplete: missing " + missing);
  }
}
