package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionReview;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Recognition;
import org.altdiffusion.tiny.data.Sample;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.ShapeOracle;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion dataset --out DIR [--seed S] [--count N] [--split train|validation|heldout]}:
 * writes samples of the synthetic shapes dataset as a preview grid and a JSONL of captions.
 */
@Command(
    name = "dataset",
    description = {
      "Write samples of the synthetic multilingual shapes dataset (tiny AltDiffusion):",
      "DIR/preview.png (a grid of the first samples), DIR/captions.jsonl (one line per sample:",
      "attributes, background, template, captions in the 18 languages), DIR/heldout.txt (the"
          + " held-out",
      "combinations of the seed) and, with --images, DIR/images/*.png."
    })
final class DatasetCommand implements Callable<Integer> {
  /** Largest number of samples one run writes. */
  static final int MAX_COUNT = 1_000_000;

  /** Largest number of pictures in the preview grid. */
  static final int MAX_PREVIEW = 256;

  @Option(names = "--out", paramLabel = "DIR", description = "Output folder (created if absent).")
  Path out;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description =
          "Dataset seed: fixes the held-out combinations and every picture. Default"
              + " ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--count",
      defaultValue = "64",
      description = "Number of samples, from index 0. Default ${DEFAULT-VALUE}.")
  int count;

  @Option(
      names = "--split",
      defaultValue = "train",
      description = "train, validation or heldout. Default ${DEFAULT-VALUE}.")
  String split;

  @Option(
      names = "--images",
      description = "Also write each picture as DIR/images/<split>-<index>.png.")
  boolean images;

  @Option(
      names = "--check",
      description =
          "Read every written picture back with the pixel oracle and report its accuracy.")
  boolean check;

  @Option(
      names = "--review",
      paramLabel = "FILE.md",
      description = "Write the caption review tables (docs/tiny-captions-review.md) and exit.")
  Path review;

  @Override
  public Integer call() throws IOException {
    if (review != null) {
      if (review.getParent() != null) Files.createDirectories(review.getParent());
      Files.writeString(review, CaptionReview.markdown(Captions.bundled()), StandardCharsets.UTF_8);
      System.out.println("wrote " + review);
      return 0;
    }
    if (out == null)
      throw new IllegalArgumentException("--out DIR is required (or --review FILE.md)");
    if (count < 1 || count > MAX_COUNT)
      throw new IllegalArgumentException("--count must be 1.." + MAX_COUNT + ", got " + count);
    Split s = Split.parse(split);
    ShapesDataset data = ShapesDataset.of(seed, s, count);
    Files.createDirectories(out);
    if (images) Files.createDirectories(out.resolve("images"));

    int columns = Math.min(16, count);
    int shown = Math.min(count, MAX_PREVIEW);
    int rows = (shown + columns - 1) / columns;
    BufferedImage grid =
        new BufferedImage(columns * Scene.SIDE, rows * Scene.SIDE, BufferedImage.TYPE_INT_RGB);
    ObjectMapper json = new ObjectMapper();
    ShapeOracle oracle = new ShapeOracle();
    int recognised = 0;
    try (BufferedWriter jsonl =
        Files.newBufferedWriter(out.resolve("captions.jsonl"), StandardCharsets.UTF_8)) {
      for (int i = 0; i < count; i++) {
        Sample sample = data.get(i);
        if (i < shown)
          grid.setRGB(
              (i % columns) * Scene.SIDE,
              (i / columns) * Scene.SIDE,
              Scene.SIDE,
              Scene.SIDE,
              sample.rgb(),
              0,
              Scene.SIDE);
        if (images)
          ImageIO.write(
              sample.image(),
              "png",
              out.resolve("images").resolve(String.format("%s-%06d.png", s.key(), i)).toFile());
        if (check) {
          Recognition r = oracle.recognize(sample.rgb());
          if (r.matches(sample.attributes())) recognised++;
        }
        jsonl.write(json.writeValueAsString(line(json, sample)));
        jsonl.write('\n');
      }
    }
    ImageIO.write(grid, "png", out.resolve("preview.png").toFile());
    StringBuilder held =
        new StringBuilder(
            "# held-out combinations of seed " + seed + " (never in train or validation)\n");
    for (Attributes a : data.combinations().heldOut())
      held.append(Captions.bundled().caption(Language.EN, a, CaptionTemplate.FULL)).append('\n');
    Files.writeString(out.resolve("heldout.txt"), held, StandardCharsets.UTF_8);
    System.out.printf(
        "wrote %d %s samples (seed %d) to %s: captions.jsonl, preview.png (first %d),"
            + " heldout.txt%s%n",
        count, s.key(), seed, out, shown, images ? ", images/" : "");
    System.out.printf(
        "combinations: %d training, %d held out%n",
        data.combinations().training().size(), data.combinations().heldOut().size());
    if (check)
      System.out.printf(
          "oracle: %d/%d pictures read back exactly (%.2f%%)%n",
          recognised, count, 100.0 * recognised / count);
    return 0;
  }

  private static ObjectNode line(ObjectMapper json, Sample sample) {
    ObjectNode o = json.createObjectNode();
    o.put("split", sample.split().key());
    o.put("index", sample.index());
    o.put("shape", sample.attributes().shape().key());
    o.put("colour", sample.attributes().colour().key());
    o.put("position", sample.attributes().position().key());
    o.put("size", sample.attributes().size().key());
    o.put("background", sample.background().key());
    o.put("template", sample.template().key());
    ObjectNode captions = o.putObject("captions");
    for (Map.Entry<Language, String> e : sample.captions().entrySet())
      captions.put(e.getKey().code(), e.getValue());
    return o;
  }
}
