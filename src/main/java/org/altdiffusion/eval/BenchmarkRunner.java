package org.altdiffusion.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.Infotext;

/**
 * Generates and scores one part of a benchmark into a shared folder: {@code DIR/images/<id>.png}
 * (A1111 infotext inside) and {@code DIR/parts/part-I-of-N.jsonl} (one record per prompt: id,
 * language, prompt, CLIP score), plus {@code DIR/benchmark.json} (the settings, the same from every
 * part). A picture already in the folder is reused when its infotext shows this prompt and these
 * settings, and is an error otherwise; pictures are written whole (temporary file, then renamed),
 * so an interrupted run resumes where it stopped.
 */
public final class BenchmarkRunner {
  private static final int SCORE_BATCH = 8;

  /** What one run did. */
  public record Summary(int prompts, int generated, int reused) {}

  private BenchmarkRunner() {}

  public static Summary run(
      DiffusionPipeline pipeline,
      ImageTextScorer scorer,
      List<BenchmarkPrompts.Prompt> prompts,
      Shard shard,
      BenchmarkSettings settings,
      Path dir,
      Consumer<String> log) {
    try {
      Files.createDirectories(dir.resolve("images"));
      Files.createDirectories(dir.resolve("parts"));
      writeSettings(dir, settings, pipeline, scorer);
      List<BenchmarkPrompts.Prompt> mine = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) if (shard.owns(i)) mine.add(prompts.get(i));
      Map<String, String> expected = settings.expectedInfotext(pipeline);
      List<BufferedImage> images = new ArrayList<>();
      int generated = 0;
      for (BenchmarkPrompts.Prompt p : mine) {
        Path file = dir.resolve("images").resolve(p.id() + ".png");
        BufferedImage image = Files.exists(file) ? reuse(file, p, settings, expected) : null;
        if (image == null) {
          image = generate(pipeline, settings, p, file);
          generated++;
          log.accept("generated " + p.id() + " (" + p.language() + ")");
        }
        images.add(image);
      }
      double[] scores = score(scorer, images, mine);
      writePart(dir.resolve("parts").resolve(shard.partName()), mine, scores);
      return new Summary(mine.size(), generated, mine.size() - generated);
    } catch (IOException e) {
      throw new UncheckedIOException("benchmark folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static BufferedImage generate(
      DiffusionPipeline pipeline, BenchmarkSettings s, BenchmarkPrompts.Prompt p, Path file)
      throws IOException {
    GeneratedImage g = pipeline.generate(s.request(p.prompt()), null).get(0);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, g.png());
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return g.image();
  }

  /** The picture at {@code file} when its infotext matches; an error naming the differences. */
  private static BufferedImage reuse(
      Path file, BenchmarkPrompts.Prompt p, BenchmarkSettings s, Map<String, String> expected)
      throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String text = PngText.read(bytes).get("parameters");
    if (text == null) {
      throw new IllegalStateException(
          file
              + " has no infotext (parameters chunk): not made by this runner; delete it or choose"
              + " another --out");
    }
    Infotext info = Infotext.parse(text);
    List<String> wrong = new ArrayList<>();
    if (!info.prompt().equals(p.prompt())) wrong.add("prompt '" + info.prompt() + "'");
    if (!info.negativePrompt().equals(s.negativePrompt()))
      wrong.add("negative prompt '" + info.negativePrompt() + "'");
    expected.forEach(
        (k, v) -> {
          String got = info.settings().get(k);
          if (!v.equals(got)) wrong.add(k + " " + got + " (expected " + v + ")");
        });
    if (!wrong.isEmpty()) {
      throw new IllegalStateException(
          file
              + " was made with other parameters: "
              + String.join(", ", wrong)
              + "; delete it or choose another --out");
    }
    return ImageDecoder.decode(bytes, ImageLimits.UPLOADS);
  }

  private static double[] score(
      ImageTextScorer scorer, List<BufferedImage> images, List<BenchmarkPrompts.Prompt> prompts) {
    double[] out = new double[images.size()];
    for (int from = 0; from < images.size(); from += SCORE_BATCH) {
      int to = Math.min(images.size(), from + SCORE_BATCH);
      List<String> captions =
          prompts.subList(from, to).stream().map(BenchmarkPrompts.Prompt::prompt).toList();
      double[] s = scorer.scores(images.subList(from, to), captions);
      System.arraycopy(s, 0, out, from, s.length);
    }
    return out;
  }

  private static void writePart(Path part, List<BenchmarkPrompts.Prompt> prompts, double[] scores)
      throws IOException {
    ObjectMapper m = new ObjectMapper();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < prompts.size(); i++) {
      ObjectNode o = m.createObjectNode();
      o.put("id", prompts.get(i).id());
      o.put("language", prompts.get(i).language());
      o.put("prompt", prompts.get(i).prompt());
      o.put("clip_score", scores[i]);
      sb.append(m.writeValueAsString(o)).append('\n');
    }
    Path tmp = part.resolveSibling(part.getFileName() + ".tmp");
    Files.writeString(tmp, sb.toString());
    Files.move(tmp, part, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** benchmark.json: the settings; a part started with other settings is an error. */
  private static void writeSettings(
      Path dir, BenchmarkSettings s, DiffusionPipeline pipeline, ImageTextScorer scorer)
      throws IOException {
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = m.createObjectNode();
    o.put("model", pipeline.modelName());
    o.put("scorer", scorer.name());
    o.put("settings", s.describe());
    String text = m.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    Path file = dir.resolve("benchmark.json");
    if (Files.exists(file)) {
      String existing = Files.readString(file);
      if (!existing.equals(text)) {
        throw new IllegalStateException(
            file
                + " records another model, scorer or settings:\n"
                + existing
                + "this part would use:\n"
                + text
                + "use another --out, or the same options");
      }
      return;
    }
    Path tmp = dir.resolve("benchmark.json." + ProcessHandle.current().pid() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
