package org.altdiffusion.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.altdiffusion.io.AtomicFiles;
import org.altdiffusion.pipeline.GeneratedImage;

/**
 * Where {@code save_images} writes: {@code <output>/<yyyy-MM-dd>/<number>-<seed>.png}, names chosen
 * by the server only (a counter and the seed), never from client text.
 */
final class OutputFolder {
  private final Path root;
  private final AtomicLong counter;

  OutputFolder(Path root) throws IOException {
    Files.createDirectories(root);
    this.root = root.toAbsolutePath().normalize();
    this.counter = new AtomicLong(countExisting(this.root));
  }

  private static long countExisting(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root, 2)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".png")).count();
    }
  }

  /** Writes {@code image} and returns its name relative to the output folder. */
  String save(GeneratedImage image) throws IOException {
    Path day = root.resolve(LocalDate.now().toString());
    Files.createDirectories(day);
    while (true) {
      String name = String.format("%05d-%d.png", counter.getAndIncrement(), image.seed());
      Path file = day.resolve(name);
      try {
        AtomicFiles.writeNew(file, image.png());
        return root.relativize(file).toString();
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // another process wrote this number: take the next
      }
    }
  }
}
