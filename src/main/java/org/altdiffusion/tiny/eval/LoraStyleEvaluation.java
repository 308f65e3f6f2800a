package org.altdiffusion.tiny.eval;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.altdiffusion.lora.LoraSpec;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Recognition;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.ShapeOracle;
import org.altdiffusion.tiny.data.Stripes;

/**
 * The demo LoRA measured per language: the first {@code combinations} held-out attribute
 * combinations' full captions, generated at each LoRA weight with the same seeds (image i seeded
 * {@code seed + i}); per picture, whether the style is there ({@link Stripes#contrast} at least
 * {@link Stripes#PRESENT}) and whether the oracle reads all four attributes right.
 */
public final class LoraStyleEvaluation {
  /**
   * One language at one weight.
   *
   * @param striped pictures with the style
   * @param allFour pictures with shape, colour, position and size right
   * @param meanContrast mean stripe contrast in grey levels
   */
  public record Row(
      Language language, double weight, int images, int striped, int allFour, double meanContrast) {
    public double stripedPercent() {
      return 100.0 * striped / images;
    }

    public double allFourPercent() {
      return 100.0 * allFour / images;
    }
  }

  /**
   * @param rows one per language and weight, weights in the order given
   * @param pictures per weight, the pictures of every language in order (for the grid)
   */
  public record Result(List<Row> rows, List<List<BufferedImage>> pictures) {}

  private LoraStyleEvaluation() {}

  public static Result evaluate(
      DiffusionPipeline pipeline,
      Path lora,
      List<Double> weights,
      List<Language> languages,
      int combinations,
      int steps,
      double guidance,
      long seed,
      Consumer<String> log) {
    List<Attributes> combos = TinyEvaluation.heldOut(0);
    if (combinations < 1 || combinations > combos.size())
      throw new IllegalArgumentException(
          "--combinations must be 1.." + combos.size() + ", got " + combinations);
    combos = combos.subList(0, combinations);
    Captions captions = Captions.bundled();
    ShapeOracle oracle = new ShapeOracle();
    List<Row> rows = new ArrayList<>();
    List<List<BufferedImage>> pictures = new ArrayList<>();
    for (double weight : weights) {
      GenerationRequest settings =
          GenerationRequest.builder("")
              .steps(steps)
              .guidance(guidance)
              .seed(seed)
              .size(Scene.SIDE, Scene.SIDE)
              .loras(weight == 0 ? List.of() : List.of(new LoraSpec(lora, weight)))
              .build();
      List<BufferedImage> atWeight = new ArrayList<>();
      for (Language language : languages) {
        long start = System.nanoTime();
        List<String> prompts =
            combos.stream().map(a -> captions.caption(language, a, CaptionTemplate.FULL)).toList();
        List<BufferedImage> images = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += GenerationRequest.MAX_BATCH) {
          List<String> chunk =
              prompts.subList(from, Math.min(prompts.size(), from + GenerationRequest.MAX_BATCH));
          for (GeneratedImage g :
              pipeline.generateEach(chunk, settings.withSeed(seed + from), null))
            images.add(g.image());
        }
        int striped = 0, all = 0;
        double contrast = 0;
        for (int i = 0; i < images.size(); i++) {
          double c = Stripes.contrast(images.get(i));
          contrast += c / images.size();
          if (c >= Stripes.PRESENT) striped++;
          Recognition r = oracle.recognize(images.get(i));
          if (r.found() && r.matches(combos.get(i))) all++;
        }
        Row row = new Row(language, weight, images.size(), striped, all, contrast);
        rows.add(row);
        atWeight.addAll(images);
        log.accept(
            String.format(
                Locale.ROOT,
                "weight %.2f %s: striped %.0f%%, all four attributes %.0f%%, contrast %.1f (%.1f"
                    + " s)",
                weight,
                language.code(),
                row.stripedPercent(),
                row.allFourPercent(),
                contrast,
                (System.nanoTime() - start) / 1e9));
      }
      pictures.add(atWeight);
    }
    return new Result(rows, pictures);
  }

  /** The per-language table in Markdown: one pair of columns per weight. */
  public static String markdown(Result result, List<Double> weights, List<Language> languages) {
    StringBuilder out = new StringBuilder("| language |");
    StringBuilder rule = new StringBuilder("|---|");
    for (double w : weights) {
      out.append(
          String.format(
              Locale.ROOT,
              " striped, weight %s | contrast, weight %s | all four, weight %s |",
              w,
              w,
              w));
      rule.append("---:|---:|---:|");
    }
    out.append('\n').append(rule).append('\n');
    double[] striped = new double[weights.size()];
    double[] all = new double[weights.size()];
    double[] contrast = new double[weights.size()];
    for (Language language : languages) {
      out.append("| ")
          .append(language.code())
          .append(' ')
          .append(language.englishName())
          .append(" |");
      for (int w = 0; w < weights.size(); w++) {
        Row r = row(result, language, weights.get(w));
        striped[w] += r.stripedPercent() / languages.size();
        all[w] += r.allFourPercent() / languages.size();
        contrast[w] += r.meanContrast() / languages.size();
        out.append(
            String.format(
                Locale.ROOT,
                " %.1f%% | %.1f | %.1f%% |",
                r.stripedPercent(),
                r.meanContrast(),
                r.allFourPercent()));
      }
      out.append('\n');
    }
    out.append("| **mean** |");
    for (int w = 0; w < weights.size(); w++)
      out.append(
          String.format(Locale.ROOT, " %.1f%% | %.1f | %.1f%% |", striped[w], contrast[w], all[w]));
    return out.append('\n').toString();
  }

  /**
   * A row per weight, a column per language; column {@code c} shows combination {@code c mod
   * combinations}, so the columns differ in prompt as well as language.
   */
  public static BufferedImage grid(
      Result result, List<Double> weights, List<Language> languages, int combinations) {
    int cell = 64, gap = 6, left = 58, top = 18;
    BufferedImage img =
        new BufferedImage(
            left + languages.size() * (cell + gap),
            top + weights.size() * (cell + gap),
            BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = img.createGraphics();
    g.setRenderingHint(
        java.awt.RenderingHints.KEY_TEXT_ANTIALIASING,
        java.awt.RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(java.awt.Color.BLACK);
    g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 11));
    for (int c = 0; c < languages.size(); c++)
      g.drawString(languages.get(c).code(), left + c * (cell + gap) + cell / 2 - 6, 13);
    for (int r = 0; r < weights.size(); r++) {
      int y = top + r * (cell + gap);
      g.drawString(String.format(Locale.ROOT, "LoRA %.1f", weights.get(r)), 2, y + cell / 2 + 4);
      for (int c = 0; c < languages.size(); c++)
        g.drawImage(
            result.pictures().get(r).get(c * combinations + c % combinations),
            left + c * (cell + gap),
            y,
            null);
    }
    g.dispose();
    return img;
  }

  private static Row row(Result result, Language language, double weight) {
    return result.rows().stream()
        .filter(r -> r.language() == language && r.weight() == weight)
        .findFirst()
        .orElseThrow();
  }
}
