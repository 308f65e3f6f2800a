package org.altdiffusion.tiny.eval;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.Masks;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.InitImage;
import org.altdiffusion.pipeline.InpaintMask;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Colour;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Position;
import org.altdiffusion.tiny.data.Recognition;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.Shape;
import org.altdiffusion.tiny.data.ShapeOracle;

/**
 * Inpainting with the built-in model, per prompt language, on the held-out combinations with a side
 * position (LEFT, RIGHT, TOP, BOTTOM; CENTRE ones are left out: no half of the picture holds them).
 * For each combination A: the model draws an original from the English caption of another shape in
 * a contrasting colour on the opposite side (once: the same originals for every language); the half
 * of the picture where A belongs is masked (white, no blur) and repainted from A's caption
 * (strength 1, the 4-channel path). The pixel oracle then reads the repainted half (the other half
 * replaced by the repainted half's background colour, so that only the new shape is seen), and the
 * kept half is compared with the original: as decoded (diffusers' result) and with A1111's overlay.
 */
public final class InpaintEvaluation {
  /** Pixels within this many levels (of 255) of the original count as unchanged. */
  public static final int KEPT_TOLERANCE = 2;

  private static final int SIDE = Scene.SIDE;

  /**
   * One language's counts.
   *
   * @param keptDecoded mean fraction of the unmasked pixels within {@link #KEPT_TOLERANCE} of the
   *     original in the decoded picture
   * @param keptOverlay the same with A1111's overlay of the original outside the mask
   */
  public record Row(
      Language language,
      int images,
      int found,
      int shape,
      int colour,
      int size,
      int position,
      int allFour,
      double keptDecoded,
      double keptOverlay) {
    public double percent(int count) {
      return 100.0 * count / images;
    }
  }

  /** One case for the figure: the original, the mask, the result (overlay). */
  public record Example(BufferedImage original, GrayImage mask, BufferedImage result) {}

  public record Result(List<Row> rows, Map<Language, Example> examples) {}

  private InpaintEvaluation() {}

  /** The held-out combinations with a side position, in the held-out order. */
  public static List<Attributes> cases(long dataSeed) {
    return TinyEvaluation.heldOut(dataSeed).stream()
        .filter(a -> a.position() != Position.CENTRE)
        .toList();
  }

  /** What the original shows: another shape, a contrasting colour, the opposite side. */
  static Attributes originalFor(Attributes a) {
    Shape[] shapes = Shape.values();
    Colour[] colours = Colour.values();
    Position opposite =
        switch (a.position()) {
          case LEFT -> Position.RIGHT;
          case RIGHT -> Position.LEFT;
          case TOP -> Position.BOTTOM;
          case BOTTOM -> Position.TOP;
          case CENTRE -> throw new IllegalArgumentException("no opposite side of the centre");
        };
    return new Attributes(
        shapes[(a.shape().ordinal() + 2) % shapes.length],
        colours[(a.colour().ordinal() + colours.length / 2) % colours.length],
        opposite,
        a.size());
  }

  /** White (repaint) on the half of the picture at {@code side}. */
  static GrayImage halfMask(Position side) {
    int[] v = new int[SIDE * SIDE];
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        boolean in =
            switch (side) {
              case LEFT -> x < SIDE / 2;
              case RIGHT -> x >= SIDE / 2;
              case TOP -> y < SIDE / 2;
              case BOTTOM -> y >= SIDE / 2;
              case CENTRE -> throw new IllegalArgumentException("no half at the centre");
            };
        v[y * SIDE + x] = in ? 255 : 0;
      }
    return new GrayImage(SIDE, SIDE, v);
  }

  /**
   * @param maxCases the first this many cases (of {@link #cases}) are run
   */
  public static Result evaluate(
      DiffusionPipeline pipeline,
      List<Language> languages,
      int maxCases,
      int steps,
      double guidance,
      long seed,
      Consumer<String> log) {
    List<Attributes> side = cases(0);
    List<Attributes> cases = side.subList(0, Math.min(Math.max(1, maxCases), side.size()));
    Captions captions = Captions.bundled();
    ShapeOracle oracle = new ShapeOracle();
    GenerationRequest settings =
        GenerationRequest.builder("")
            .steps(steps)
            .guidance(guidance)
            .seed(seed)
            .size(SIDE, SIDE)
            .build();
    List<Row> rows = new ArrayList<>();
    Map<Language, Example> examples = new LinkedHashMap<>();
    List<BufferedImage> originals = originals(pipeline, captions, Language.EN, cases, settings);
    for (Language language : languages) {
      long start = System.nanoTime();
      int found = 0, shape = 0, colour = 0, size = 0, position = 0, all = 0;
      double keptDecoded = 0, keptOverlay = 0;
      for (int i = 0; i < cases.size(); i++) {
        Attributes want = cases.get(i);
        GrayImage mask = halfMask(want.position());
        GenerationRequest request =
            settings.toBuilder()
                .prompt(captions.caption(language, want, CaptionTemplate.FULL))
                .seed(seed + i)
                .initImage(new InitImage(originals.get(i), 1.0))
                .mask(InpaintMask.of(mask))
                .build();
        BufferedImage decoded = pipeline.generate(request, null).get(0).image();
        BufferedImage result = Masks.overlay(originals.get(i), decoded, mask);
        keptDecoded += kept(originals.get(i), decoded, mask) / cases.size();
        keptOverlay += kept(originals.get(i), result, mask) / cases.size();
        if (i == 0) examples.put(language, new Example(originals.get(i), mask, result));
        Recognition r = oracle.recognize(repaintedHalfOnly(result, mask));
        if (!r.found()) continue;
        Attributes got = r.attributes();
        found++;
        if (got.shape() == want.shape()) shape++;
        if (got.colour() == want.colour()) colour++;
        if (got.size() == want.size()) size++;
        if (got.position() == want.position()) position++;
        if (r.matches(want)) all++;
      }
      Row row =
          new Row(
              language,
              cases.size(),
              found,
              shape,
              colour,
              size,
              position,
              all,
              keptDecoded,
              keptOverlay);
      rows.add(row);
      log.accept(
          String.format(
              Locale.ROOT,
              "inpainting %s: shape %.0f%%, colour %.0f%%, size %.0f%%, position %.0f%%, all four"
                  + " %.0f%%; unmasked pixels kept %.1f%% decoded, %.1f%% with overlay (%.1f s)",
              language.code(),
              row.percent(shape),
              row.percent(colour),
              row.percent(size),
              row.percent(position),
              row.percent(all),
              100 * keptDecoded,
              100 * keptOverlay,
              (System.nanoTime() - start) / 1e9));
    }
    return new Result(rows, examples);
  }

  /** The originals, case i seeded {@code seed + i}, in batches. */
  private static List<BufferedImage> originals(
      DiffusionPipeline pipeline,
      Captions captions,
      Language language,
      List<Attributes> cases,
      GenerationRequest settings) {
    List<String> prompts =
        cases.stream()
            .map(a -> captions.caption(language, originalFor(a), CaptionTemplate.FULL))
            .toList();
    List<BufferedImage> out = new ArrayList<>();
    for (int from = 0; from < prompts.size(); from += GenerationRequest.MAX_BATCH) {
      List<String> chunk =
          prompts.subList(from, Math.min(prompts.size(), from + GenerationRequest.MAX_BATCH));
      long seed = settings.seed() + from;
      for (GeneratedImage g : pipeline.generateEach(chunk, settings.withSeed(seed), null))
        out.add(g.image());
    }
    return out;
  }

  /** The fraction of unmasked pixels of {@code picture} within the tolerance of the original. */
  static double kept(BufferedImage original, BufferedImage picture, GrayImage mask) {
    int total = 0;
    int kept = 0;
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        if (mask.get(x, y) != 0) continue;
        total++;
        int a = original.getRGB(x, y);
        int b = picture.getRGB(x, y);
        int diff = 0;
        for (int s = 0; s <= 16; s += 8)
          diff = Math.max(diff, Math.abs(((a >> s) & 255) - ((b >> s) & 255)));
        if (diff <= KEPT_TOLERANCE) kept++;
      }
    return (double) kept / total;
  }

  /**
   * The picture with its unmasked part painted in the masked part's background colour (the
   * per-channel median of its light, nearly grey pixels, as the oracle tells background from shape;
   * of all its pixels when none is): the oracle then sees the repainted shape alone.
   */
  static BufferedImage repaintedHalfOnly(BufferedImage picture, GrayImage mask) {
    List<Integer> background = new ArrayList<>();
    List<Integer> any = new ArrayList<>();
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        if (mask.get(x, y) == 0) continue;
        int p = picture.getRGB(x, y) & 0xffffff;
        any.add(p);
        int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
        int lo = Math.min(r, Math.min(g, b));
        int hi = Math.max(r, Math.max(g, b));
        if (lo >= 150 && hi - lo <= 40) background.add(p);
      }
    int fill = median(background.isEmpty() ? any : background);
    BufferedImage out = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++)
        out.setRGB(x, y, mask.get(x, y) == 0 ? fill : picture.getRGB(x, y));
    return out;
  }

  private static int median(List<Integer> pixels) {
    int rgb = 0;
    for (int s = 16; s >= 0; s -= 8) {
      int shift = s;
      int[] c = pixels.stream().mapToInt(p -> (p >> shift) & 255).toArray();
      Arrays.sort(c);
      rgb |= c[c.length / 2] << s;
    }
    return rgb;
  }

  /** Markdown table of the rows. */
  public static String markdown(List<Row> rows, int steps, double guidance) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "Inpainting, built-in model, %d steps, guidance %s, strength 1, mask = the half where"
                + " the prompt's shape belongs (no blur); %d held-out side combinations per"
                + " language; the originals drawn once from English captions.%n%n",
            steps,
            guidance,
            rows.isEmpty() ? 0 : rows.get(0).images()));
    sb.append(
        "| lang | shape | colour | size | position | all four | unmasked kept (decoded) |"
            + " unmasked kept (overlay) |\n|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows)
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.0f%% | %.1f%% | %.1f%% |%n",
              r.language().code(),
              r.percent(r.shape()),
              r.percent(r.colour()),
              r.percent(r.size()),
              r.percent(r.position()),
              r.percent(r.allFour()),
              100 * r.keptDecoded(),
              100 * r.keptOverlay()));
    return sb.toString();
  }

  /** Rows of original, mask and result (enlarged 3x, crisp), one per language. */
  public static BufferedImage figure(Map<Language, Example> examples) {
    int scale = 3;
    int cell = SIDE * scale;
    int label = 40;
    int gap = 6;
    int width = label + 3 * (cell + gap);
    int height = 22 + examples.size() * (cell + gap);
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    g.setColor(Color.DARK_GRAY);
    String[] heads = {"original", "mask", "result"};
    for (int c = 0; c < 3; c++) g.drawString(heads[c], label + c * (cell + gap) + 4, 15);
    int row = 0;
    for (var e : examples.entrySet()) {
      int y = 22 + row++ * (cell + gap);
      g.setColor(Color.DARK_GRAY);
      g.drawString(e.getKey().code(), 8, y + cell / 2);
      BufferedImage mask = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB);
      for (int yy = 0; yy < SIDE; yy++)
        for (int xx = 0; xx < SIDE; xx++) {
          int v = e.getValue().mask().get(xx, yy);
          mask.setRGB(xx, yy, v << 16 | v << 8 | v);
        }
      BufferedImage[] cells = {e.getValue().original(), mask, e.getValue().result()};
      for (int c = 0; c < 3; c++)
        g.drawImage(cells[c], label + c * (cell + gap), y, cell, cell, null);
    }
    g.dispose();
    return img;
  }
}
