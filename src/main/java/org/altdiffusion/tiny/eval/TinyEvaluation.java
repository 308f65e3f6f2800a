package org.altdiffusion.tiny.eval;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.altdiffusion.eval.FrechetDistance;
import org.altdiffusion.image.Pixels;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Combinations;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Recognition;
import org.altdiffusion.tiny.data.Scene;
import org.altdiffusion.tiny.data.ShapeOracle;

/**
 * Per-language evaluation of a text-to-image model on the held-out attribute combinations of the
 * shapes dataset (never seen in training): for each language, the full caption of every held-out
 * combination is generated once (image i seeded {@code seed + i}, the same seeds in every
 * language), the pixel oracle reads shape, colour, position and size back, and the multilingual
 * CLIP scores picture against caption.
 */
public final class TinyEvaluation {
  /**
   * @param languages languages evaluated, in order
   * @param steps sampler steps per image (default 25)
   * @param guidance classifier-free guidance scale (default 7.5)
   * @param seed seed of the first image (default 0)
   * @param dataSeed shapes dataset seed: which combinations are held out (default 0)
   * @param sampler the sampler (a name of {@code schedulers/Samplers}), or null for the model's own
   * @param schedule A1111's schedule type, or null for the sampler's own
   * @param promptsPerLanguage how many held-out combinations each language generates, evenly spaced
   *     over the held-out list; 0 (default): all 48
   */
  public record Options(
      List<Language> languages,
      int steps,
      double guidance,
      long seed,
      long dataSeed,
      String sampler,
      String schedule,
      int promptsPerLanguage) {
    public Options {
      if (languages.isEmpty())
        throw new IllegalArgumentException("at least one language is required");
      if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
      if (promptsPerLanguage < 0 || promptsPerLanguage == 1)
        throw new IllegalArgumentException(
            "prompts per language must be >= 2 (CLIP-FD needs two pictures), or 0: all; got "
                + promptsPerLanguage);
    }

    /** The model's own sampler, every held-out combination. */
    public Options(List<Language> languages, int steps, double guidance, long seed, long dataSeed) {
      this(languages, steps, guidance, seed, dataSeed, null, null, 0);
    }
  }

  /**
   * Counts over one language's images.
   *
   * @param found images where the oracle found a shape at all
   * @param allFour images with all four attributes right
   * @param clipScore mean multilingual CLIP score (100 x cosine)
   * @param clipFd CLIP-FD of the images against the held-out reference ({@link ClipFrechet})
   * @param seconds the time the language's pictures took to generate (scoring not counted)
   */
  public record LanguageResult(
      Language language,
      int images,
      int found,
      int shape,
      int colour,
      int position,
      int size,
      int allFour,
      double clipScore,
      double clipFd,
      double seconds) {
    /** Mean of the four per-attribute accuracies, in percent: the headline figure. */
    public double attributeAccuracy() {
      return 100.0 * (shape + colour + position + size) / (4.0 * images);
    }

    public double percent(int count) {
      return 100.0 * count / images;
    }
  }

  /**
   * One model's rows, its pictures per language (held-out order) for the grid, and the CLIP-FD
   * reference.
   */
  public record ModelResult(
      String name,
      List<LanguageResult> rows,
      Map<Language, List<BufferedImage>> pictures,
      ClipFrechet.Reference reference) {
    public LanguageResult row(Language language) {
      return rows.stream().filter(r -> r.language() == language).findFirst().orElseThrow();
    }

    /** The attribute accuracy averaged over the languages, in percent. */
    public double meanAttributeAccuracy() {
      return rows.stream().mapToDouble(LanguageResult::attributeAccuracy).average().orElse(0);
    }

    /** The seconds all languages' pictures took to generate. */
    public double generationSeconds() {
      return rows.stream().mapToDouble(LanguageResult::seconds).sum();
    }
  }

  private TinyEvaluation() {}

  /** The held-out combinations, in a fixed order. */
  public static List<Attributes> heldOut(long dataSeed) {
    return Combinations.of(dataSeed).heldOut();
  }

  /**
   * The combinations the {@code k}-th language of {@code options} evaluates: all held-out ones, or
   * with {@code promptsPerLanguage = n} the positions {@code floor((i * L + k) * 48 / (L * n))} for
   * {@code i < n} ({@code L} languages): each language's n spread over the list (it is sorted by
   * attribute), and the languages together covering {@code min(L * n, 48)} different ones, so that
   * a quick mean over languages still sees most combinations.
   */
  public static List<Attributes> evaluated(Options options, int k) {
    List<Attributes> all = heldOut(options.dataSeed());
    int n = options.promptsPerLanguage();
    if (n == 0) return all;
    long slots = (long) options.languages().size() * n;
    List<Attributes> subset = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long slot = (long) i * options.languages().size() + k;
      subset.add(all.get((int) (slot * all.size() / slots)));
    }
    return List.copyOf(subset);
  }

  /** As the overload, with the held-out CLIP-FD reference computed here. */
  public static ModelResult evaluate(
      String name,
      DiffusionPipeline pipeline,
      MultilingualClip clip,
      Options options,
      Consumer<String> log) {
    return evaluate(
        name,
        pipeline,
        clip,
        ClipFrechet.heldOut(clip.teacher(), options.dataSeed()),
        options,
        log);
  }

  /**
   * @param reference the CLIP-FD reference (see {@link ClipFrechet#heldOut}), shared by the models
   *     compared
   */
  public static ModelResult evaluate(
      String name,
      DiffusionPipeline pipeline,
      MultilingualClip clip,
      ClipFrechet.Reference reference,
      Options options,
      Consumer<String> log) {
    Captions captions = Captions.bundled();
    ShapeOracle oracle = new ShapeOracle();
    GenerationRequest settings =
        GenerationRequest.builder("")
            .steps(options.steps())
            .guidance(options.guidance())
            .seed(options.seed())
            .size(Scene.SIDE, Scene.SIDE)
            .sampler(options.sampler())
            .schedule(options.schedule())
            .build();
    List<LanguageResult> rows = new ArrayList<>();
    Map<Language, List<BufferedImage>> pictures = new LinkedHashMap<>();
    for (int k = 0; k < options.languages().size(); k++) {
      Language language = options.languages().get(k);
      List<Attributes> combos = evaluated(options, k);
      long start = System.nanoTime();
      List<String> prompts =
          combos.stream().map(a -> captions.caption(language, a, CaptionTemplate.FULL)).toList();
      List<BufferedImage> images = new ArrayList<>();
      long generating = System.nanoTime();
      for (int from = 0; from < prompts.size(); from += GenerationRequest.MAX_BATCH) {
        List<String> chunk =
            prompts.subList(from, Math.min(prompts.size(), from + GenerationRequest.MAX_BATCH));
        for (GeneratedImage g :
            pipeline.generateEach(chunk, settings.withSeed(options.seed() + from), null))
          images.add(g.image());
      }
      double seconds = (System.nanoTime() - generating) / 1e9;
      int found = 0, shape = 0, colour = 0, position = 0, size = 0, all = 0;
      float[] pixels = new float[images.size() * 3 * Scene.SIDE * Scene.SIDE];
      for (int i = 0; i < images.size(); i++) {
        Attributes want = combos.get(i);
        Recognition r = oracle.recognize(images.get(i));
        Pixels.normalized(
            images.get(i).getRGB(0, 0, Scene.SIDE, Scene.SIDE, null, 0, Scene.SIDE),
            pixels,
            i * 3 * Scene.SIDE * Scene.SIDE);
        if (!r.found()) continue;
        Attributes got = r.attributes();
        found++;
        if (got.shape() == want.shape()) shape++;
        if (got.colour() == want.colour()) colour++;
        if (got.position() == want.position()) position++;
        if (got.size() == want.size()) size++;
        if (r.matches(want)) all++;
      }
      double clipScore = 0;
      for (double s : clip.scores(pixels, prompts)) clipScore += s / prompts.size();
      double clipFd =
          FrechetDistance.between(
              ClipFrechet.statistics(clip.teacher(), pixels, images.size()),
              reference.statistics());
      LanguageResult row =
          new LanguageResult(
              language,
              images.size(),
              found,
              shape,
              colour,
              position,
              size,
              all,
              clipScore,
              clipFd,
              seconds);
      rows.add(row);
      pictures.put(language, images);
      log.accept(
          String.format(
              Locale.ROOT,
              "%s %s: attributes %.1f%% (shape %.0f, colour %.0f, position %.0f, size %.0f), all"
                  + " four %.1f%%, CLIP %.1f, CLIP-FD %.2f (%.1f s)",
              name,
              language.code(),
              row.attributeAccuracy(),
              row.percent(shape),
              row.percent(colour),
              row.percent(position),
              row.percent(size),
              row.percent(all),
              clipScore,
              clipFd,
              (System.nanoTime() - start) / 1e9));
    }
    return new ModelResult(name, rows, pictures, reference);
  }
}
