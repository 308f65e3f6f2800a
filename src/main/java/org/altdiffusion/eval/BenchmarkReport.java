package org.altdiffusion.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.models.inception.FidInceptionV3;
import org.bytedeco.javacpp.PointerScope;

/**
 * Merges the parts of a benchmark folder into {@code DIR/report.md}: one row per language (its code
 * first), CLIP score, and with an Inception network FID against a reference and IS, the counts, a
 * bar chart ({@code clip-score.png}) and a grid of samples per language ({@code
 * grid-<language>.png}). The result depends only on the merged records and pictures, never on how
 * the work was split.
 */
public final class BenchmarkReport {
  private static final Pattern PART = Pattern.compile("part-(\\d+)-of-(\\d+)\\.jsonl");
  private static final int GRID_COLUMNS = 8;

  /** One record of a part file. */
  public record Record(String id, String language, String prompt, double clipScore) {}

  /**
   * One language's figures; fid and isMean are NaN without an Inception network or reference,
   * clipFd (a Fréchet distance on CLIP image features, as clean-fid's CLIP-FD) NaN where not
   * measured (the column is shown only when some row has it).
   */
  public record Row(
      String language,
      int images,
      double clipScore,
      double fid,
      double isMean,
      double isStd,
      double clipFd) {
    /** A row without CLIP-FD. */
    public Row(
        String language, int images, double clipScore, double fid, double isMean, double isStd) {
      this(language, images, clipScore, fid, isMean, isStd, Double.NaN);
    }
  }

  private BenchmarkReport() {}

  /** Every record of the complete set of parts in {@code dir}, sorted by language then id. */
  public static List<Record> merge(Path dir) {
    Path parts = dir.resolve("parts");
    Map<Integer, Path> found = new TreeMap<>();
    int count = -1;
    try (Stream<Path> files = Files.list(parts)) {
      for (Path f : files.sorted().toList()) {
        Matcher m = PART.matcher(f.getFileName().toString());
        if (!m.matches()) continue;
        int n = Integer.parseInt(m.group(2));
        if (count >= 0 && n != count) {
          throw new IllegalStateException(
              parts + " mixes parts of " + count + " and of " + n + " shards");
        }
        count = n;
        found.put(Integer.parseInt(m.group(1)), f);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          dir + " is not a benchmark folder (no readable parts/): " + e.getMessage());
    }
    if (found.isEmpty()) throw new IllegalArgumentException(parts + ": no part-I-of-N.jsonl files");
    if (found.size() != count) {
      List<Integer> missing = new ArrayList<>();
      for (int i = 0; i < count; i++) if (!found.containsKey(i)) missing.add(i);
      throw new IllegalStateException(
          parts + ": parts " + missing + " of " + count + " are missing (still running?)");
    }
    Map<String, Record> byId = new TreeMap<>();
    for (Path f : found.values())
      for (Record r : read(f)) {
        if (byId.put(r.id(), r) != null)
          throw new IllegalStateException(f + ": id '" + r.id() + "' is in two parts");
      }
    List<Record> out = new ArrayList<>(byId.values());
    out.sort(
        (a, b) ->
            a.language().equals(b.language())
                ? a.id().compareTo(b.id())
                : Integer.compare(order(a.language()), order(b.language())));
    return out;
  }

  /**
   * Writes report.md, the chart and the grids.
   *
   * @param inception FID's network, or null (no FID / IS)
   * @param reference FID reference statistics, or null (no FID)
   */
  public static List<Row> write(
      Path dir, FidInceptionV3 inception, FidFeatures.Reference reference) {
    List<Record> records = merge(dir);
    Map<String, List<Record>> byLanguage = new java.util.LinkedHashMap<>();
    for (Record r : records)
      byLanguage.computeIfAbsent(r.language(), k -> new ArrayList<>()).add(r);
    List<Row> rows = new ArrayList<>();
    try {
      for (var e : byLanguage.entrySet()) {
        List<BufferedImage> images = images(dir, e.getValue());
        rows.add(row(e.getKey(), e.getValue(), images, inception, reference));
        ReportCharts.writePng(
            ReportCharts.grid(images.subList(0, Math.min(GRID_COLUMNS, images.size()))),
            dir.resolve("grid-" + e.getKey() + ".png"));
      }
      ReportCharts.writePng(
          ReportCharts.barChart("CLIP score per language", rows, Row::clipScore),
          dir.resolve("clip-score.png"));
      Files.writeString(dir.resolve("report.md"), markdown(dir, rows, records.size(), reference));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  private static Row row(
      String language,
      List<Record> records,
      List<BufferedImage> images,
      FidInceptionV3 inception,
      FidFeatures.Reference reference) {
    double clip = 0;
    for (Record r : records) clip += r.clipScore() / records.size();
    double fid = Double.NaN, isMean = Double.NaN, isStd = Double.NaN;
    if (inception != null) {
      try (PointerScope s = new PointerScope()) {
        FidFeatures.Features f = FidFeatures.of(inception, images);
        InceptionScore.Result is =
            InceptionScore.of(
                f.logits(),
                Math.min(InceptionScore.DEFAULT_SPLITS, images.size()),
                true,
                InceptionScore.DEFAULT_SEED);
        isMean = is.mean();
        isStd = is.std();
        if (reference != null && images.size() >= 2) {
          fid = FrechetDistance.between(GaussianStatistics.of(f.pool()), reference.statistics());
        }
      }
    }
    return new Row(language, records.size(), clip, fid, isMean, isStd);
  }

  static String markdown(Path dir, List<Row> rows, int total, FidFeatures.Reference reference)
      throws IOException {
    StringBuilder sb = new StringBuilder("# Benchmark report\n\n");
    Path settings = dir.resolve("benchmark.json");
    if (Files.exists(settings)) {
      JsonNode s = new ObjectMapper().readTree(Files.readString(settings));
      sb.append("Model: ")
          .append(s.path("model").asText())
          .append("; CLIP score by ")
          .append(s.path("scorer").asText())
          .append("; ")
          .append(s.path("settings").asText())
          .append(".\n\n");
    }
    sb.append(total).append(" pictures in ").append(rows.size()).append(" languages.");
    if (reference != null && reference.used() > 0) {
      sb.append(" FID reference: ")
          .append(reference.used())
          .append(" pictures (")
          .append(reference.skipped())
          .append(" unreadable skipped).");
    }
    sb.append("\n\n").append(table(rows));
    sb.append("\n![CLIP score per language](clip-score.png)\n\n## Samples\n\n");
    for (Row r : rows)
      sb.append("**")
          .append(r.language())
          .append("**\n\n![")
          .append(r.language())
          .append(" samples](grid-")
          .append(r.language())
          .append(".png)\n\n");
    return sb.toString();
  }

  /**
   * The per-language Markdown table: {@code | language | images | CLIP score | FID | IS |}, one row
   * per language starting with its code, and a CLIP-FD column when some row has one.
   */
  public static String table(List<Row> rows) {
    boolean clipFd = rows.stream().anyMatch(r -> !Double.isNaN(r.clipFd()));
    StringBuilder sb = new StringBuilder("| language | images | CLIP score | FID | IS |");
    sb.append(clipFd ? " CLIP-FD |\n" : "\n").append("|---|---:|---:|---:|---:|");
    sb.append(clipFd ? "---:|\n" : "\n");
    for (Row r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.2f | %s | %s |",
              r.language(),
              r.images(),
              r.clipScore(),
              orNa(r.fid()),
              Double.isNaN(r.isMean())
                  ? "n/a"
                  : String.format(Locale.ROOT, "%.2f ± %.2f", r.isMean(), r.isStd())));
      sb.append(clipFd ? " " + orNa(r.clipFd()) + " |\n" : "\n");
    }
    return sb.toString();
  }

  private static String orNa(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static List<BufferedImage> images(Path dir, List<Record> records) throws IOException {
    List<BufferedImage> out = new ArrayList<>();
    for (Record r : records) {
      Path f = dir.resolve("images").resolve(r.id() + ".png");
      if (!Files.exists(f))
        throw new IllegalStateException(f + " is missing (its record is in a part file)");
      out.add(ImageDecoder.decode(Files.readAllBytes(f), ImageLimits.UPLOADS));
    }
    return out;
  }

  private static List<Record> read(Path part) {
    ObjectMapper m = new ObjectMapper();
    List<Record> out = new ArrayList<>();
    try {
      List<String> lines = Files.readAllLines(part);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).isBlank()) continue;
        JsonNode o = m.readTree(lines.get(i));
        if (!o.hasNonNull("id") || !o.hasNonNull("language") || !o.has("clip_score")) {
          throw new IllegalStateException(
              part + " line " + (i + 1) + ": needs id, language, clip_score");
        }
        out.add(
            new Record(
                o.get("id").asText(),
                o.get("language").asText(),
                o.path("prompt").asText(),
                o.get("clip_score").asDouble()));
      }
    } catch (IOException e) {
      throw new IllegalStateException(part + ": cannot be read: " + e.getMessage());
    }
    return out;
  }

  private static int order(String language) {
    int i = BenchmarkPrompts.MG18.indexOf(language);
    return i < 0 ? Integer.MAX_VALUE : i;
  }
}
