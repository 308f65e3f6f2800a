package org.altdiffusion.tiny.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.altdiffusion.eval.BenchmarkReport;
import org.altdiffusion.eval.ReportCharts;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.eval.TinyEvaluation.LanguageResult;
import org.altdiffusion.tiny.eval.TinyEvaluation.ModelResult;

/** Writes an evaluation as a Markdown table, a bar chart and image grids. */
public final class EvalReport {
  static final Color[] BAR_COLOURS = {new Color(0x9AA5B1), new Color(0x2B6CB0)};

  private EvalReport() {}

  /**
   * Markdown: one row per language, columns for every model (the last model's attribute details).
   */
  public static String markdown(
      List<ModelResult> models, TinyEvaluation.Options options, int combinations) {
    StringBuilder b = new StringBuilder();
    ModelResult main = models.get(models.size() - 1);
    b.append("| language |");
    for (ModelResult m : models) b.append(" ").append(m.name()).append(" attributes |");
    b.append(" ").append(main.name()).append(" all four | shape | colour | position | size |");
    for (ModelResult m : models) b.append(" ").append(m.name()).append(" CLIP |");
    b.append("\n|---|");
    b.append("---:|".repeat(models.size() + 5 + models.size()));
    b.append("\n");
    for (Language l : options.languages()) {
      b.append("| ").append(l.code()).append(" ").append(l.englishName()).append(" |");
      for (ModelResult m : models) b.append(pct(m.row(l).attributeAccuracy()));
      LanguageResult r = main.row(l);
      b.append(pct(r.percent(r.allFour())))
          .append(pct(r.percent(r.shape())))
          .append(pct(r.percent(r.colour())))
          .append(pct(r.percent(r.position())))
          .append(pct(r.percent(r.size())));
      for (ModelResult m : models)
        b.append(String.format(Locale.ROOT, " %.1f |", m.row(l).clipScore()));
      b.append("\n");
    }
    b.append("| **mean** |");
    for (ModelResult m : models) b.append(pct(mean(m, options, r -> r.attributeAccuracy())));
    b.append(pct(mean(main, options, r -> r.percent(r.allFour()))))
        .append(pct(mean(main, options, r -> r.percent(r.shape()))))
        .append(pct(mean(main, options, r -> r.percent(r.colour()))))
        .append(pct(mean(main, options, r -> r.percent(r.position()))))
        .append(pct(mean(main, options, r -> r.percent(r.size()))));
    for (ModelResult m : models)
      b.append(String.format(Locale.ROOT, " %.1f |", mean(m, options, LanguageResult::clipScore)));
    b.append("\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "%d held-out combinations x %d languages per model%s, one 64x64 picture each (seeds"
                + " %d..%d, the same in every language), %s, %d steps, guidance %s. Attributes:"
                + " mean of the shape, colour, position and size accuracies read by the pixel"
                + " oracle; all four: pictures with every attribute right; CLIP: multilingual CLIP"
                + " score (100 x cosine).%n",
            combinations,
            options.languages().size(),
            options.promptsPerLanguage() > 0
                ? " (a subset: each language its own, spread over the 48)"
                : "",
            options.seed(),
            options.seed() + combinations - 1,
            samplerText(options),
            options.steps(),
            options.guidance()));
    b.append(benchmarkSection(models, options.languages()));
    return b.toString();
  }

  /** "sampler Heun, schedule Karras", or the model's own sampler. */
  static String samplerText(TinyEvaluation.Options options) {
    String sampler =
        options.sampler() == null ? "the model's own sampler" : "sampler " + options.sampler();
    return options.schedule() == null ? sampler : sampler + ", schedule " + options.schedule();
  }

  /**
   * The evaluation in the benchmark report's format ({@link BenchmarkReport#table}): per model a
   * row per language with its CLIP score and CLIP-FD (FID and IS need Inception weights: n/a), what
   * each CLIP-FD uses, and the evaluated model's charts ({@link #writeBenchmarkCharts}).
   */
  static String benchmarkSection(List<ModelResult> models, List<Language> languages) {
    ModelResult main = models.get(models.size() - 1);
    ClipFrechet.Reference ref = main.reference();
    StringBuilder b = new StringBuilder("\n## Benchmark format\n");
    for (ModelResult m : models) {
      b.append("\n**").append(m.name()).append("**\n\n");
      b.append(BenchmarkReport.table(benchmarkRows(m, languages)));
    }
    int generated = main.row(languages.get(0)).images();
    b.append(
        String.format(
            Locale.ROOT,
            "%nCLIP-FD: the Fréchet distance between Gaussians fitted to the teacher CLIP's %d-d"
                + " image features (projected, not normalised, as clean-fid's CLIP features) of the"
                + " %d generated pictures of a language and of %d held-out dataset pictures (the"
                + " held-out split rendered, samples %d..%d). Each FD compares %d generated"
                + " pictures with %d: fewer samples than dimensions, so the generated covariance is"
                + " singular, and FD is biased upward at small N: %d dataset pictures (each"
                + " held-out combination once) against the same reference give %.2f, the floor at"
                + " this N. FID and IS: n/a (no Inception weights here).%n%n",
            ref.statistics().dim(),
            generated,
            ref.pictures(),
            ref.floorPictures(),
            ref.floorPictures() + ref.pictures() - 1,
            generated,
            ref.pictures(),
            ref.floorPictures(),
            ref.floor()));
    b.append("![CLIP score per language](clip-score.png)\n\n");
    b.append("![CLIP-FD per language](clip-fd.png)\n");
    return b.toString();
  }

  /** The rows of {@code model} as the benchmark report has them, with CLIP-FD. */
  public static List<BenchmarkReport.Row> benchmarkRows(
      ModelResult model, List<Language> languages) {
    return languages.stream()
        .map(model::row)
        .map(
            r ->
                new BenchmarkReport.Row(
                    r.language().code(),
                    r.images(),
                    r.clipScore(),
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    r.clipFd()))
        .toList();
  }

  /** The benchmark report's bar charts of {@code model}: clip-score.png and clip-fd.png. */
  public static void writeBenchmarkCharts(ModelResult model, List<Language> languages, Path dir)
      throws IOException {
    List<BenchmarkReport.Row> rows = benchmarkRows(model, languages);
    Files.createDirectories(dir);
    ReportCharts.writePng(
        ReportCharts.barChart(
            model.name() + ": CLIP score per language", rows, BenchmarkReport.Row::clipScore),
        dir.resolve("clip-score.png"));
    ReportCharts.writePng(
        ReportCharts.barChart(
            model.name() + ": CLIP-FD per language (lower is better)",
            rows,
            BenchmarkReport.Row::clipFd),
        dir.resolve("clip-fd.png"));
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, " %.1f%% |", v);
  }

  private static double mean(
      ModelResult m,
      TinyEvaluation.Options o,
      java.util.function.ToDoubleFunction<LanguageResult> f) {
    return o.languages().stream()
        .mapToDouble(l -> f.applyAsDouble(m.row(l)))
        .average()
        .orElse(Double.NaN);
  }

  /** Grouped bars: attribute accuracy per language, one bar per model, with the 90% line. */
  public static BufferedImage barChart(List<ModelResult> models, List<Language> languages) {
    double[][] values = new double[models.size()][languages.size()];
    List<Color> colours = new java.util.ArrayList<>();
    for (int mi = 0; mi < models.size(); mi++) {
      for (int li = 0; li < languages.size(); li++)
        values[mi][li] = models.get(mi).row(languages.get(li)).attributeAccuracy();
      colours.add(barColour(mi, models.size()));
    }
    return groupedBars(
        "Attribute accuracy on held-out combinations, per prompt language (dashed: 90%)",
        models.stream().map(ModelResult::name).toList(), colours, languages, values);
  }

  /**
   * Grouped bars of percentages: a group per language, a bar per series ({@code values[series]
   * [language]}), the 90% line dashed, a legend of the series' names.
   */
  static BufferedImage groupedBars(
      String title,
      List<String> series,
      List<Color> colours,
      List<Language> languages,
      double[][] values) {
    int group = 14 * series.size() + 14;
    int left = 48, top = 40, plot = 260, bottom = 40;
    int width = Math.max(640, left + group * languages.size() + 20);
    BufferedImage img = new BufferedImage(width, top + plot + bottom, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(img);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int pct = 0; pct <= 100; pct += 20) {
      int y = top + plot - pct * plot / 100;
      g.setColor(new Color(0xE2E8F0));
      g.drawLine(left, y, width - 20, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(pct + "%", 8, y + 4);
    }
    for (int li = 0; li < languages.size(); li++) {
      int x0 = left + li * group + 7;
      for (int si = 0; si < series.size(); si++) {
        int h = (int) Math.round(values[si][li] * plot / 100);
        g.setColor(colours.get(si));
        g.fillRect(x0 + si * 14, top + plot - h, 13, h);
      }
      g.setColor(Color.BLACK);
      g.drawString(languages.get(li).code(), x0 + 2, top + plot + 16);
    }
    g.setColor(new Color(0xC53030));
    g.setStroke(
        new BasicStroke(
            1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {5, 4}, 0));
    int y90 = top + plot - 90 * plot / 100;
    g.drawLine(left, y90, width - 20, y90);
    g.setStroke(new BasicStroke());
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    g.setColor(Color.BLACK);
    g.drawString(title, left, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    int lx = left;
    for (int si = 0; si < series.size(); si++) {
      g.setColor(colours.get(si));
      g.fillRect(lx, top + plot + 26, 10, 10);
      g.setColor(Color.BLACK);
      g.drawString(series.get(si), lx + 14, top + plot + 35);
      lx += 20 + g.getFontMetrics().stringWidth(series.get(si)) + 20;
    }
    g.dispose();
    return img;
  }

  /**
   * A row per language, a column per held-out combination ({@code columns} of them, evenly spread),
   * labelled.
   */
  public static BufferedImage grid(
      ModelResult model, List<Language> languages, List<Attributes> combos, int columns) {
    int n = Math.min(columns, combos.size());
    int cell = 64, gap = 14, left = 34, top = 40;
    BufferedImage img =
        new BufferedImage(
            left + n * (cell + gap),
            top + languages.size() * (cell + gap),
            BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas(img);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
    g.setColor(Color.BLACK);
    for (int c = 0; c < n; c++) {
      Attributes a = combos.get(column(c, n, combos.size()));
      int x = left + c * (cell + gap);
      g.drawString(a.colour().key() + " " + a.shape().key(), x + 1, 14);
      g.drawString(a.position().key() + ", " + a.size().key(), x + 1, 26);
    }
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
    for (int r = 0; r < languages.size(); r++) {
      int y = top + r * (cell + gap);
      g.drawString(languages.get(r).code(), 6, y + cell / 2 + 4);
      List<BufferedImage> row = model.pictures().get(languages.get(r));
      for (int c = 0; c < n; c++)
        g.drawImage(row.get(column(c, n, combos.size())), left + c * (cell + gap), y, null);
    }
    g.dispose();
    return img;
  }

  /** Which combination column {@code c} of {@code n} shows: spread over all {@code total}. */
  static int column(int c, int n, int total) {
    return (int) ((long) c * total / n);
  }

  /** The last model (the one evaluated) in blue, the ones it is compared with in grey. */
  private static Color barColour(int model, int models) {
    return model == models - 1 ? BAR_COLOURS[1] : BAR_COLOURS[0];
  }

  static Graphics2D canvas(BufferedImage img) {
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    return g;
  }

  public static void writePng(BufferedImage image, Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    if (!ImageIO.write(image, "png", file.toFile()))
      throw new IOException("no PNG writer for " + file);
  }
}
