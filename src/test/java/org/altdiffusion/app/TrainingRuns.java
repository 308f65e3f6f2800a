package org.altdiffusion.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.train.TrainingFixtures;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/** Runs training commands in this JVM or in a child JVM, and compares their outputs. */
final class TrainingRuns {
  private TrainingRuns() {}

  /** The train-text-encoder arguments for the tiny models and the shapes captions. */
  static List<String> tinyDistillation(Path out, long steps, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "train-text-encoder",
                "--teacher",
                TrainingFixtures.training("clip_teacher").toString(),
                "--teacher-tokenizer",
                TrainingFixtures.path("tokenizer/clip").toString(),
                "--student",
                TrainingFixtures.path("pipeline/tiny-altdiffusion/text_encoder").toString(),
                "--student-tokenizer",
                TrainingFixtures.path("pipeline/tiny-altdiffusion/tokenizer").toString(),
                "--data",
                "shapes",
                "--max-length",
                "24",
                "--out",
                out.toString(),
                "--steps",
                Long.toString(steps),
                "--batch-size",
                "4",
                "--lr",
                "1e-3",
                "--warmup-steps",
                "3",
                "--ema-decay",
                "0.99",
                "--no-progress"));
    args.addAll(Arrays.asList(more));
    return args;
  }

  /** Runs the command here; returns exit code and what it printed on stderr. */
  static Outcome inProcess(List<String> args) {
    PrintStream oldErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream p = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setErr(p);
      code = Main.run(args.toArray(new String[0]));
    } finally {
      System.setErr(oldErr);
    }
    String text = err.toString(StandardCharsets.UTF_8);
    oldErr.print(text);
    return new Outcome(code, text);
  }

  record Outcome(int code, String stderr) {}

  /** Starts the command in a child JVM with this JVM's class path; output goes to {@code log}. */
  static Process forked(List<String> args, Path log, Map<String, String> env) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-Xss8m",
                "-Xmx2g",
                "-XX:+UseSerialGC",
                // a JVM crash leaves its report beside the log, where the tests look for it
                "-XX:ErrorFile=" + log.toAbsolutePath().getParent().resolve("hs_err_%p.log"),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    command.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Every tensor of a safetensors file as raw bytes (bit-identity checks). */
  static Map<String, byte[]> rawTensors(Path file) {
    Map<String, byte[]> out = new java.util.TreeMap<>();
    try (TensorSource s = SafeTensors.open(file)) {
      for (String k : s.keys()) {
        Tensor t = s.loadRaw(k).contiguous();
        byte[] b = new byte[(int) (t.numel() * t.element_size())];
        new BytePointer(t.data_ptr()).get(b);
        out.put(k, b);
      }
    }
    return out;
  }

  /** The names of tensors whose bytes differ (or exist in one file only). */
  static List<String> differingTensors(Path a, Path b) {
    Map<String, byte[]> x = rawTensors(a);
    Map<String, byte[]> y = rawTensors(b);
    List<String> out = new ArrayList<>();
    for (String k : x.keySet())
      if (!y.containsKey(k) || !Arrays.equals(x.get(k), y.get(k))) out.add(k);
    for (String k : y.keySet()) if (!x.containsKey(k)) out.add(k);
    return out;
  }

  /** "step loss" of every step line (the seconds differ between runs). */
  static List<String> lossLines(Path log) throws IOException {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      var n = json.readTree(line);
      if (n.has("loss") && !n.has("event"))
        out.add(
            n.get("step").asLong()
                + " "
                + n.get("loss").asText()
                + " "
                + n.get("grad_norm").asText());
    }
    return out;
  }

  /** Highest step in a log file so far (0 if none), tolerating a line being written. */
  static long lastStep(Path log) {
    try {
      if (!Files.exists(log)) return 0;
      long last = 0;
      for (String line : Files.readAllLines(log)) {
        int i = line.indexOf("{\"step\":");
        if (i != 0) continue;
        int j = line.indexOf(',', 8);
        if (j < 0) continue;
        try {
          last = Math.max(last, Long.parseLong(line.substring(8, j)));
        } catch (NumberFormatException ignored) {
          // partial line
        }
      }
      return last;
    } catch (IOException e) {
      return 0;
    }
  }
}
