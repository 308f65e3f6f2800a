package org.altdiffusion.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's record: one JSON object per line ({@code {"step":1,"loss":...,"lr":...,...}}, steps
 * 1-based, plus {@code "event"} lines for checkpoints and the end), flushed line by line. A resumed
 * run first drops the step lines after its checkpoint, so the file reads as one uninterrupted run.
 */
public final class TrainingLog implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final BufferedWriter out;

  private TrainingLog(Path file, BufferedWriter out) {
    this.file = file;
    this.out = out;
  }

  /**
   * Opens {@code file}, keeping the lines of steps up to {@code keepThrough} (0 = start afresh).
   */
  public static TrainingLog open(Path file, long keepThrough) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    List<String> kept = new ArrayList<>();
    if (keepThrough > 0 && Files.isRegularFile(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (IOException e) {
          continue; // a line cut short by a kill
        }
        if (n != null && n.path("step").asLong(Long.MAX_VALUE) <= keepThrough) kept.add(line);
      }
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, kept, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new TrainingLog(
        file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
  }

  public ObjectNode line() {
    return JSON.createObjectNode();
  }

  public void write(ObjectNode line) throws IOException {
    out.write(JSON.writeValueAsString(line));
    out.write('\n');
    out.flush();
  }

  public Path file() {
    return file;
  }

  /** (step, loss) of every finite step line of a log file. */
  public static List<double[]> losses(Path file) throws IOException {
    List<double[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      JsonNode n;
      try {
        n = JSON.readTree(line);
      } catch (IOException e) {
        continue;
      }
      if (n == null || !n.has("step") || !n.has("loss") || n.has("event")) continue;
      double loss = n.get("loss").asDouble(Double.NaN);
      if (Double.isFinite(loss)) out.add(new double[] {n.get("step").asDouble(), loss});
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
