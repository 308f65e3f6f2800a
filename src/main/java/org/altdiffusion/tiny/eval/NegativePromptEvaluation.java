package org.altdiffusion.tiny.eval;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
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
import org.altdiffusion.tiny.data.Size;

/**
 * Negative prompts and short prompts with the built-in model, per prompt language (issue 26), on
 * the held-out combinations. Case i takes held-out combination {@code i mod 48} and one of its four
 * attributes (rotating, so that every attribute is tested with every combination once 192 cases are
 * asked for), and generates, in the language's own grammar (the dataset's caption templates):
 *
 * <ol>
 *   <li><b>negative</b>: a prompt that leaves that attribute open ("a large circle on the left")
 *       with a negative prompt naming the combination's value of it as a bare word ("red"): the
 *       picture should avoid the named value and keep the three said attributes;
 *   <li><b>short</b>: that attribute alone as a bare word ("red", "circle", "large", "on the
 *       left"): the picture should show it;
 *   <li><b>full + negative</b>: the full caption ("a large red circle on the left") with a negative
 *       prompt naming another value of that attribute ("blue"): all four attributes should stay.
 * </ol>
 *
 * The pixel oracle reads the pictures back. Seeds: within a language the cases are ordered by their
 * negative prompt's meaning (so that pictures sharing one are generated in one batch), and picture
 * k of that order is seeded {@code seed + k}: the same seeds in every language.
 */
public final class NegativePromptEvaluation {
  /** The four attributes a case leaves open or names. */
  public enum Attribute {
    COLOUR,
    SHAPE,
    SIZE,
    POSITION;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The bare word of this attribute. */
    CaptionTemplate bare() {
      return switch (this) {
        case COLOUR -> CaptionTemplate.COLOUR;
        case SHAPE -> CaptionTemplate.SHAPE;
        case SIZE -> CaptionTemplate.SIZE;
        case POSITION -> CaptionTemplate.POSITION;
      };
    }

    /** The three-attribute caption that leaves this attribute open. */
    CaptionTemplate without() {
      return switch (this) {
        case COLOUR -> CaptionTemplate.SIZE_SHAPE_POSITION;
        case SHAPE -> CaptionTemplate.SIZE_COLOUR_POSITION;
        case SIZE -> CaptionTemplate.COLOUR_SHAPE_POSITION;
        case POSITION -> CaptionTemplate.SIZE_COLOUR_SHAPE;
      };
    }

    int valueOf(Attributes a) {
      return switch (this) {
        case COLOUR -> a.colour().ordinal();
        case SHAPE -> a.shape().ordinal();
        case SIZE -> a.size().ordinal();
        case POSITION -> a.position().ordinal();
      };
    }

    int count() {
      return switch (this) {
        case COLOUR -> Colour.values().length;
        case SHAPE -> Shape.values().length;
        case SIZE -> Size.values().length;
        case POSITION -> Position.values().length;
      };
    }

    /** {@code a} with this attribute set to value {@code v}. */
    Attributes with(Attributes a, int v) {
      return switch (this) {
        case COLOUR -> new Attributes(a.shape(), Colour.values()[v], a.position(), a.size());
        case SHAPE -> new Attributes(Shape.values()[v], a.colour(), a.position(), a.size());
        case SIZE -> new Attributes(a.shape(), a.colour(), a.position(), Size.values()[v]);
        case POSITION -> new Attributes(a.shape(), a.colour(), Position.values()[v], a.size());
      };
    }

    /** Whether {@code got} and {@code want} agree on every attribute but this one. */
    boolean othersAgree(Attributes got, Attributes want) {
      return with(got, 0).equals(with(want, 0));
    }
  }

  /**
   * @param languages languages evaluated, in order
   * @param cases cases per language (each: three pictures)
   * @param steps sampler steps per picture (default 25)
   * @param guidance classifier-free guidance scale (default 7.5)
   * @param seed seed of the first picture (default 0)
   * @param dataSeed shapes dataset seed: which combinations are held out (default 0)
   */
  public record Options(
      List<Language> languages, int cases, int steps, double guidance, long seed, long dataSeed) {
    public Options {
      if (languages.isEmpty())
        throw new IllegalArgumentException("at least one language is required");
      if (cases < 1) throw new IllegalArgumentException("cases must be >= 1, got " + cases);
      if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    }
  }

  /**
   * One case: a held-out combination, the attribute it tests, and the other value of it that the
   * full-caption case's negative prompt names.
   */
  public record Case(Attributes combination, Attribute attribute, int otherValue) {
    /** The combination with the tested attribute set to {@link #otherValue}. */
    public Attributes other() {
      return attribute.with(combination, otherValue);
    }
  }

  /**
   * One language's counts over its cases ({@code found}: pictures where the oracle found a shape; a
   * picture without one counts as wrong everywhere).
   *
   * @param avoided negative: pictures whose open attribute is not the named value
   * @param othersRight negative: pictures with the three said attributes right
   * @param both negative: both at once
   * @param shortHonoured short: pictures showing the one said attribute
   * @param fullRight full + negative: pictures with all four attributes right
   */
  public record Row(
      Language language,
      int cases,
      int negativeFound,
      int avoided,
      int othersRight,
      int both,
      int shortFound,
      int shortHonoured,
      int fullFound,
      int fullRight,
      int[] avoidedByAttribute,
      int[] casesByAttribute) {
    public double percent(int count) {
      return 100.0 * count / cases;
    }
  }

  /** The rows, and per language the first cases' pictures (negative, short, full + negative). */
  public record Result(List<Row> rows, List<Case> cases, List<List<BufferedImage[]>> examples) {
    public Row row(Language language) {
      return rows.stream().filter(r -> r.language() == language).findFirst().orElseThrow();
    }
  }

  /** Cases kept per language for the figure. */
  static final int EXAMPLES = 6;

  private NegativePromptEvaluation() {}

  /**
   * The cases, in generation order: case i takes held-out combination {@code i mod n} and attribute
   * {@code (i + i / n) mod 4}; the other value is half-way round the attribute's values (red ->
   * blue, circle -> triangle, small -> large, left -> top); ordered by (attribute, named value).
   */
  public static List<Case> cases(long dataSeed, int count) {
    List<Attributes> heldOut = TinyEvaluation.heldOut(dataSeed);
    int n = heldOut.size();
    List<Case> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Attributes a = heldOut.get(i % n);
      Attribute attribute = Attribute.values()[(i + i / n) % Attribute.values().length];
      int other = (attribute.valueOf(a) + attribute.count() / 2) % attribute.count();
      out.add(new Case(a, attribute, other));
    }
    out.sort(
        Comparator.comparing((Case c) -> c.attribute())
            .thenComparingInt(c -> c.attribute().valueOf(c.combination())));
    return out;
  }

  public static Result evaluate(DiffusionPipeline pipeline, Options options, Consumer<String> log) {
    List<Case> cases = cases(options.dataSeed(), options.cases());
    Captions captions = Captions.bundled();
    ShapeOracle oracle = new ShapeOracle();
    GenerationRequest settings =
        GenerationRequest.builder("")
            .steps(options.steps())
            .guidance(options.guidance())
            .seed(options.seed())
            .size(Scene.SIDE, Scene.SIDE)
            .build();
    List<Row> rows = new ArrayList<>();
    List<List<BufferedImage[]>> examples = new ArrayList<>();
    for (Language language : options.languages()) {
      long start = System.nanoTime();
      List<String> negativePrompts = new ArrayList<>();
      List<String> negatives = new ArrayList<>();
      List<String> shortPrompts = new ArrayList<>();
      List<String> fullPrompts = new ArrayList<>();
      List<String> fullNegatives = new ArrayList<>();
      for (Case c : cases) {
        Attributes a = c.combination();
        negativePrompts.add(captions.caption(language, a, c.attribute().without()));
        negatives.add(captions.caption(language, a, c.attribute().bare()));
        shortPrompts.add(captions.caption(language, a, c.attribute().bare()));
        fullPrompts.add(captions.caption(language, a, CaptionTemplate.FULL));
        fullNegatives.add(captions.caption(language, c.other(), c.attribute().bare()));
      }
      List<BufferedImage> negativeImages = generate(pipeline, settings, negativePrompts, negatives);
      List<BufferedImage> shortImages =
          generate(pipeline, settings, shortPrompts, shortPrompts.stream().map(p -> "").toList());
      List<BufferedImage> fullImages = generate(pipeline, settings, fullPrompts, fullNegatives);
      Row row = count(language, cases, oracle, negativeImages, shortImages, fullImages);
      rows.add(row);
      List<BufferedImage[]> kept = new ArrayList<>();
      for (int i : exampleIndices(cases.size()))
        kept.add(
            new BufferedImage[] {negativeImages.get(i), shortImages.get(i), fullImages.get(i)});
      examples.add(kept);
      log.accept(
          String.format(
              Locale.ROOT,
              "negative prompts %s: avoided %.1f%%, others right %.1f%%, both %.1f%%; short"
                  + " prompts honoured %.1f%%; full + negative all four %.1f%% (%.1f s)",
              language.code(),
              row.percent(row.avoided()),
              row.percent(row.othersRight()),
              row.percent(row.both()),
              row.percent(row.shortHonoured()),
              row.percent(row.fullRight()),
              (System.nanoTime() - start) / 1e9));
    }
    return new Result(rows, cases, examples);
  }

  /** Which cases the figure shows: spread over all of them. */
  static List<Integer> exampleIndices(int cases) {
    int n = Math.min(EXAMPLES, cases);
    List<Integer> out = new ArrayList<>();
    for (int c = 0; c < n; c++) out.add(EvalReport.column(c, n, cases));
    return out;
  }

  private static Row count(
      Language language,
      List<Case> cases,
      ShapeOracle oracle,
      List<BufferedImage> negativeImages,
      List<BufferedImage> shortImages,
      List<BufferedImage> fullImages) {
    int negativeFound = 0, avoided = 0, othersRight = 0, both = 0;
    int shortFound = 0, shortHonoured = 0, fullFound = 0, fullRight = 0;
    int[] avoidedBy = new int[Attribute.values().length];
    int[] casesBy = new int[Attribute.values().length];
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      Attribute at = c.attribute();
      Attributes want = c.combination();
      casesBy[at.ordinal()]++;
      Recognition neg = oracle.recognize(negativeImages.get(i));
      if (neg.found()) {
        negativeFound++;
        boolean avoid = at.valueOf(neg.attributes()) != at.valueOf(want);
        boolean others = at.othersAgree(neg.attributes(), want);
        if (avoid) avoided++;
        if (avoid) avoidedBy[at.ordinal()]++;
        if (others) othersRight++;
        if (avoid && others) both++;
      }
      Recognition shortR = oracle.recognize(shortImages.get(i));
      if (shortR.found()) {
        shortFound++;
        if (at.valueOf(shortR.attributes()) == at.valueOf(want)) shortHonoured++;
      }
      Recognition full = oracle.recognize(fullImages.get(i));
      if (full.found()) {
        fullFound++;
        if (full.matches(want)) fullRight++;
      }
    }
    return new Row(
        language,
        cases.size(),
        negativeFound,
        avoided,
        othersRight,
        both,
        shortFound,
        shortHonoured,
        fullFound,
        fullRight,
        avoidedBy,
        casesBy);
  }

  /**
   * Picture k seeded {@code seed + k}; consecutive prompts with the same negative prompt go in one
   * batch.
   */
  private static List<BufferedImage> generate(
      DiffusionPipeline pipeline,
      GenerationRequest settings,
      List<String> prompts,
      List<String> negatives) {
    List<BufferedImage> out = new ArrayList<>();
    int from = 0;
    while (from < prompts.size()) {
      int to = from + 1;
      while (to < prompts.size()
          && to - from < GenerationRequest.MAX_BATCH
          && negatives.get(to).equals(negatives.get(from))) to++;
      GenerationRequest request =
          settings.toBuilder()
              .negativePrompt(negatives.get(from))
              .seed(settings.seed() + from)
              .build();
      for (GeneratedImage g : pipeline.generateEach(prompts.subList(from, to), request, null))
        out.add(g.image());
      from = to;
    }
    return out;
  }
}
