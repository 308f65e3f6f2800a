package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.schedulers.SamplerChoice;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.eval.ClipFrechet;
import org.altdiffusion.tiny.eval.EvalReport;
import org.altdiffusion.tiny.eval.InpaintEvaluation;
import org.altdiffusion.tiny.eval.MultilingualClip;
import org.altdiffusion.tiny.eval.NegativePromptEvaluation;
import org.altdiffusion.tiny.eval.NegativePromptReport;
import org.altdiffusion.tiny.eval.TinyEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion eval}: per-language quality of the built-in model against the English base
 * model.
 */
@Command(
    name = "eval",
    sortOptions = false,
    description = {
      "Evaluate text-to-image models per prompt language on the shapes dataset's held-out attribute"
          + " combinations: the pixel oracle reads shape, colour, position and size back from each"
          + " generated picture; a multilingual CLIP (the teacher's image tower, the distilled"
          + " student text tower) scores picture against caption.",
      "Writes OUT/eval.md (the oracle table, then per language the benchmark report's table with"
          + " CLIP-FD: teacher CLIP image features of the generated vs held-out dataset pictures),"
          + " OUT/eval.json, OUT/accuracy.png, OUT/clip-score.png, OUT/clip-fd.png (bar charts) and"
          + " OUT/grid-<model>.png (a row per language).",
      "Then negative and short prompts (issue 26), per language, on the multilingual model: a"
          + " prompt that leaves one attribute open with a negative prompt naming a value of it,"
          + " that attribute alone as a bare word, and the full caption with a negative prompt"
          + " naming another value (see NegativePromptEvaluation); a section of OUT/eval.md, in"
          + " OUT/eval.json, OUT/negative-prompts.png and OUT/negative-examples.png.",
      "With --inpainting: the model's inpainting instead (see InpaintEvaluation), written to"
          + " OUT/inpaint.md and OUT/inpaint.png (original, mask, result per language)."
    })
final class EvalCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();
  @picocli.CommandLine.Mixin PrecisionOption precision = new PrecisionOption();

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "The multilingual model (AltDiffusion layout). Default: the built-in"
              + " models/altdiffusion-tiny.")
  Path model;

  @Option(
      names = "--base",
      paramLabel = "DIR",
      description =
          "The English base model compared with it, or 'none'. Default: the built-in"
              + " models/english-base.")
  String base;

  @Option(
      names = "--clip",
      paramLabel = "DIR",
      description =
          "The teacher CLIP folder (image tower). Default: the built-in models/teacher-clip.")
  Path clip;

  @Option(
      names = "--languages",
      split = ",",
      paramLabel = "CODES",
      description = "Language codes to evaluate (default: all 18).")
  List<String> languages = new ArrayList<>();

  @Option(
      names = "--steps",
      defaultValue = "25",
      description = "Sampler steps. Default ${DEFAULT-VALUE}.")
  int steps;

  @Option(
      names = "--sampler",
      paramLabel = "NAME",
      description =
          "Sampler (default: the model's scheduler): an A1111 name (Euler a, DPM++ 2M Karras, Heun,"
              + " ...), an alias (k_euler_a) or a diffusers class name; `altdiffusion samplers`"
              + " lists them.")
  String sampler;

  @Option(
      names = "--schedule",
      paramLabel = "TYPE",
      description =
          "Schedule type as A1111 names it: Automatic (the sampler's own, default), Karras, SGM"
              + " Uniform, ... (`altdiffusion samplers` lists them).")
  String schedule;

  @Option(
      names = "--prompts-per-language",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Evaluate only N (>= 2) of the 48 held-out combinations per language, for quick"
              + " comparisons: each language gets N spread over the list, the languages together"
              + " up to 48 different ones (no grid is drawn); 0 (default): all.")
  int promptsPerLanguage;

  @Option(
      names = "--guidance",
      defaultValue = "7.5",
      description = "Guidance scale. Default ${DEFAULT-VALUE}.")
  double guidance;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of the first picture (picture i: seed + i). Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--grid-columns",
      defaultValue = "12",
      description = "Held-out combinations shown in each grid. Default ${DEFAULT-VALUE}.")
  int gridColumns;

  @Option(
      names = "--inpainting",
      description =
          "Evaluate inpainting: the half of a generated picture where a held-out combination"
              + " belongs repainted from its caption; the oracle reads the repainted half, the"
              + " other half is compared with the original.")
  boolean inpainting;

  @Option(
      names = "--inpainting-cases",
      defaultValue = "1000",
      paramLabel = "N",
      description =
          "With --inpainting: only the first N held-out side combinations (default: all).")
  int inpaintingCases;

  @Option(
      names = "--negative-cases",
      defaultValue = "48",
      paramLabel = "N",
      description =
          "Negative- and short-prompt cases per language (three pictures each; 0: skip that"
              + " evaluation). Default ${DEFAULT-VALUE}.")
  int negativeCases;

  @Option(
      names = "--negative-only",
      description =
          "Only the negative- and short-prompt evaluation of --model (no base model, no CLIP).")
  boolean negativeOnly;

  @Option(
      names = "--out",
      defaultValue = "work/eval",
      paramLabel = "DIR",
      description = "Output folder. Default ${DEFAULT-VALUE}.")
  Path out;

  @Override
  public Integer call() throws Exception {
    device.resolve(); // a missing GPU fails before anything starts
    precision.resolve(); // as does an unknown --dtype
    List<Language> langs =
        languages.isEmpty()
            ? List.of(Language.values())
            : languages.stream().map(Language::parse).distinct().toList();
    if (steps < 1 || steps > 1000)
      throw new IllegalArgumentException("--steps must be 1..1000, got " + steps);
    if (gridColumns < 1)
      throw new IllegalArgumentException("--grid-columns must be >= 1, got " + gridColumns);
    if (promptsPerLanguage < 0 || promptsPerLanguage == 1)
      throw new IllegalArgumentException(
          "--prompts-per-language must be at least 2 (CLIP-FD needs two pictures per language), or"
              + " 0 for all 48; got "
              + promptsPerLanguage);
    // Unknown names fail before any model loads; the labels recorded are the table's.
    SamplerChoice choice = Samplers.resolve(sampler, schedule);
    Path modelFolder = model != null ? model : BuiltInModel.folder();
    if (negativeCases < 0 || (negativeOnly && negativeCases < 1))
      throw new IllegalArgumentException(
          "--negative-cases must be >= " + (negativeOnly ? 1 : 0) + ", got " + negativeCases);
    if (inpainting) {
      if (sampler != null || schedule != null || promptsPerLanguage != 0)
        throw new IllegalArgumentException(
            "--sampler, --schedule and --prompts-per-language apply to the text-to-image"
                + " evaluation, not to --inpainting (its cases: --inpainting-cases)");
      return inpainting(modelFolder, langs);
    }
    if (negativeOnly) {
      if (sampler != null || schedule != null || promptsPerLanguage != 0)
        throw new IllegalArgumentException(
            "--sampler, --schedule and --prompts-per-language apply to the text-to-image"
                + " evaluation, not to --negative-only (its cases: --negative-cases)");
      return negativeOnly(modelFolder, langs);
    }
    Path baseFolder =
        base == null
            ? BuiltInModel.shipped(BuiltInModel.ENGLISH_BASE)
            : base.equalsIgnoreCase("none") ? null : Path.of(base);
    Path clipFolder = clip != null ? clip : BuiltInModel.shipped(BuiltInModel.TEACHER_CLIP);
    System.err.println("threads: " + Torch.init());
    MultilingualClip scorer = MultilingualClip.load(clipFolder, modelFolder);
    var options =
        new TinyEvaluation.Options(
            langs,
            steps,
            guidance,
            seed,
            0,
            choice.name(),
            choice.scheduleType(),
            promptsPerLanguage);
    var reference = ClipFrechet.heldOut(scorer.teacher(), options.dataSeed());
    List<TinyEvaluation.ModelResult> results = new ArrayList<>();
    if (baseFolder != null)
      results.add(evaluate(baseFolder, scorer, reference, options, device, precision));
    results.add(evaluate(modelFolder, scorer, reference, options, device, precision));
    Files.createDirectories(out);
    var combos = TinyEvaluation.heldOut(options.dataSeed());
    boolean subset = promptsPerLanguage > 0;
    String table =
        EvalReport.markdown(results, options, subset ? promptsPerLanguage : combos.size());
    ObjectNode json = json(results, options);
    if (negativeCases > 0)
      table += negativePrompts(modelFolder, results.get(results.size() - 1).name(), langs, json);
    Files.writeString(out.resolve("eval.md"), table);
    EvalReport.writePng(EvalReport.barChart(results, langs), out.resolve("accuracy.png"));
    EvalReport.writeBenchmarkCharts(results.get(results.size() - 1), langs, out);
    // a subset gives each language other combinations: no common columns to show
    for (var r : subset ? List.<TinyEvaluation.ModelResult>of() : results)
      EvalReport.writePng(
          EvalReport.grid(r, langs, combos, gridColumns), out.resolve("grid-" + r.name() + ".png"));
    Files.writeString(out.resolve("eval.json"), pretty(json));
    System.out.print(table);
    System.out.println("written to " + out);
    return 0;
  }

  private int negativeOnly(Path modelFolder, List<Language> langs) throws Exception {
    System.err.println("threads: " + Torch.init());
    ObjectNode json = new ObjectMapper().createObjectNode();
    String name = modelFolder.toAbsolutePath().normalize().getFileName().toString();
    String table =
        "# Negative and short prompts\n" + negativePrompts(modelFolder, name, langs, json);
    Files.writeString(out.resolve("eval.md"), table);
    Files.writeString(out.resolve("eval.json"), pretty(json));
    System.out.print(table);
    System.out.println("written to " + out);
    return 0;
  }

  /**
   * Runs the negative- and short-prompt evaluation of the model in {@code folder}, writes its
   * charts, adds it to {@code json} and returns its Markdown section.
   */
  private String negativePrompts(Path folder, String name, List<Language> langs, ObjectNode json)
      throws Exception {
    var options =
        new NegativePromptEvaluation.Options(langs, negativeCases, steps, guidance, seed, 0);
    var result =
        NegativePromptEvaluation.evaluate(
            precision.apply(device.load(folder, precision.resolve())),
            options,
            System.err::println);
    Files.createDirectories(out);
    EvalReport.writePng(
        NegativePromptReport.chart(name, result, langs), out.resolve("negative-prompts.png"));
    EvalReport.writePng(
        NegativePromptReport.examples(result, langs), out.resolve("negative-examples.png"));
    ObjectNode o = json.putObject("negative_prompts");
    o.put("model", name);
    o.put("cases", negativeCases);
    o.put("steps", steps);
    o.put("guidance", guidance);
    o.put("seed", seed);
    ArrayNode rows = o.putArray("languages");
    for (var r : result.rows()) {
      ObjectNode ro = rows.addObject();
      ro.put("language", r.language().code());
      ro.put("cases", r.cases());
      ro.put("negative_found", r.negativeFound());
      ro.put("negative_avoided", r.avoided());
      ro.put("negative_others_right", r.othersRight());
      ro.put("negative_both", r.both());
      ro.put("short_found", r.shortFound());
      ro.put("short_honoured", r.shortHonoured());
      ro.put("full_negative_found", r.fullFound());
      ro.put("full_negative_all_four", r.fullRight());
    }
    return NegativePromptReport.markdown(name, result, options);
  }

  private int inpainting(Path modelFolder, List<Language> langs) throws Exception {
    System.err.println("threads: " + Torch.init());
    DiffusionPipeline pipeline = precision.apply(device.load(modelFolder, precision.resolve()));
    var result =
        InpaintEvaluation.evaluate(
            pipeline, langs, inpaintingCases, steps, guidance, seed, System.err::println);
    Files.createDirectories(out);
    String table = InpaintEvaluation.markdown(result.rows(), steps, guidance);
    Files.writeString(out.resolve("inpaint.md"), table);
    EvalReport.writePng(InpaintEvaluation.figure(result.examples()), out.resolve("inpaint.png"));
    System.out.print(table);
    System.out.println("written to " + out);
    return 0;
  }

  private static TinyEvaluation.ModelResult evaluate(
      Path folder,
      MultilingualClip scorer,
      ClipFrechet.Reference reference,
      TinyEvaluation.Options options,
      DeviceOption device,
      PrecisionOption precision) {
    DiffusionPipeline pipeline = precision.apply(device.load(folder, precision.resolve()));
    return TinyEvaluation.evaluate(
        folder.toAbsolutePath().normalize().getFileName().toString(),
        pipeline,
        scorer,
        reference,
        options,
        System.err::println);
  }

  private static String pretty(ObjectNode o) throws Exception {
    return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o)
        + String.format(Locale.ROOT, "%n");
  }

  private static ObjectNode json(
      List<TinyEvaluation.ModelResult> results, TinyEvaluation.Options options) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = m.createObjectNode();
    o.put("steps", options.steps());
    o.put("guidance", options.guidance());
    o.put("seed", options.seed());
    o.put("sampler", options.sampler()); // null: the model's own scheduler
    o.put("schedule", options.schedule()); // null: the sampler's own
    o.put("prompts_per_language", results.get(0).rows().get(0).images());
    var reference = results.get(0).reference();
    o.put("clip_fd_reference_pictures", reference.pictures());
    o.put("clip_fd_floor", Math.round(reference.floor() * 100) / 100.0);
    ArrayNode models = o.putArray("models");
    for (var r : results) {
      ObjectNode mo = models.addObject();
      mo.put("name", r.name());
      mo.put("mean_attribute_accuracy", Math.round(r.meanAttributeAccuracy() * 100) / 100.0);
      mo.put("generation_seconds", Math.round(r.generationSeconds() * 10) / 10.0);
      ArrayNode rows = mo.putArray("languages");
      for (var row : r.rows()) {
        ObjectNode ro = rows.addObject();
        ro.put("language", row.language().code());
        ro.put("images", row.images());
        ro.put("found", row.found());
        ro.put("shape", row.shape());
        ro.put("colour", row.colour());
        ro.put("position", row.position());
        ro.put("size", row.size());
        ro.put("all_four", row.allFour());
        ro.put("attribute_accuracy", Math.round(row.attributeAccuracy() * 100) / 100.0);
        ro.put("clip_score", Math.round(row.clipScore() * 100) / 100.0);
        ro.put("clip_fd", Math.round(row.clipFd() * 100) / 100.0);
        ro.put("seconds", Math.round(row.seconds() * 10) / 10.0);
      }
    }
    return o;
  }
}
