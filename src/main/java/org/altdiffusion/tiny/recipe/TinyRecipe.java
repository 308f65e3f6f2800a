package org.altdiffusion.tiny.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.models.text.RobertaSeriesConfig;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.altdiffusion.models.vae.DiagonalGaussian;
import org.altdiffusion.pipeline.ModelComponents;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tiny.clip.TinyClip;
import org.altdiffusion.tiny.clip.TinyClipConfig;
import org.altdiffusion.tiny.clip.TinyClipTrainer;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.tokenizers.TinyTokenizers;
import org.altdiffusion.tokenizer.ClipTokenizer;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.altdiffusion.tokenizer.XlmRobertaTokenizer;
import org.altdiffusion.train.NonFinitePolicy;
import org.altdiffusion.train.TrainConfig;
import org.altdiffusion.train.Trainer;
import org.altdiffusion.train.TrainingTask;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.ImageText;
import org.altdiffusion.train.data.ParallelText;
import org.altdiffusion.train.data.SkippedSample;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.optim.AdamWOptimizer;
import org.altdiffusion.train.tasks.DiffusionTraining;
import org.altdiffusion.train.tasks.LatentCache;
import org.altdiffusion.train.tasks.TextDistillation;
import org.altdiffusion.train.tasks.VaeTraining;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;

/**
 * The AltDiffusion recipe at small scale, on the synthetic shapes dataset, every model trained by
 * this project's code and saved in the real checkpoints' layouts:
 *
 * <ol>
 *   <li>{@code tokenizers}: a sentencepiece unigram model (the student's, XLM-R style) and a CLIP
 *       byte-level BPE (the teacher's), built from the training captions;
 *   <li>{@code teacher}: the English CLIP (text and image towers), contrastive;
 *   <li>{@code vae}: an AutoencoderKL (factor 4) trained to reconstruct the pictures;
 *   <li>{@code student}: the multilingual text encoder distilled from the teacher (AltCLIP step);
 *   <li>{@code base}: the English text-to-image model (stand-in for Stable Diffusion): a UNet
 *       trained from scratch on English captions, conditioned on the frozen teacher text tower;
 *   <li>{@code alignment}: student plugged into the base model, only the cross-attention K/V
 *       trained, multilingual captions, half resolution;
 *   <li>{@code quality}: every UNet parameter, full resolution, 10% caption dropout, EMA.
 * </ol>
 *
 * Output folder: {@code tokenizers/}, {@code teacher-clip/}, {@code vae/}, {@code english-base/} (a
 * StableDiffusionPipeline folder), {@code student/}, {@code altdiffusion-tiny/} (an
 * AltDiffusionPipeline folder), {@code runs/<stage>/} (training logs, checkpoints, loss curves) and
 * {@code recipe.json} (settings and the seconds each stage took). A stage whose output is complete
 * is not run again, and a stage interrupted mid-way resumes from its last checkpoint (paths are
 * recorded relative to the output folder, so it may be moved); once a stage runs, every later one
 * runs too, from scratch.
 */
public final class TinyRecipe {
  /** The stages, in order. */
  public enum Stage {
    TOKENIZERS,
    TEACHER,
    VAE,
    STUDENT,
    BASE,
    ALIGNMENT,
    QUALITY;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Stage parse(String s) {
      for (Stage st : values()) if (st.key().equals(s.trim().toLowerCase(Locale.ROOT))) return st;
      throw new IllegalArgumentException(
          "unknown stage '"
              + s
              + "'; accepted: tokenizers, teacher, vae, student, base, alignment, quality");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LENGTH = TinyTokenizers.MODEL_MAX_LENGTH;

  /** Pictures whose latents set the VAE's scaling factor. */
  private static final int SCALING_SAMPLES = 1024;

  private final Path out;
  private final RecipeSettings settings;
  private final PrintStream log;
  private final boolean terminal;

  /**
   * @param log where stage headers and progress lines go
   * @param terminal redraw progress lines in place
   */
  public TinyRecipe(Path out, RecipeSettings settings, PrintStream log, boolean terminal) {
    this.out = out;
    this.settings = settings;
    this.log = log;
    this.terminal = terminal;
  }

  public Path tokenizers() {
    return out.resolve("tokenizers");
  }

  public Path teacher() {
    return out.resolve("teacher-clip");
  }

  public Path vae() {
    return out.resolve("vae");
  }

  public Path base() {
    return out.resolve("english-base");
  }

  public Path student() {
    return out.resolve("student");
  }

  public Path model() {
    return out.resolve("altdiffusion-tiny");
  }

  Path runFolder(Stage s) {
    return out.resolve("runs").resolve(s.key());
  }

  private Path marker(Stage s) {
    return runFolder(s).resolve("done.json");
  }

  /**
   * Seconds each stage took, in order (stages done by an earlier run included, from their records).
   */
  public record Summary(Map<Stage, Double> seconds, List<Stage> ran) {
    public double total() {
      return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }
  }

  /** Runs the stages from {@code restartFrom} on (null: from the first unfinished one). */
  public Summary run(Stage restartFrom) throws IOException, SkippedSample {
    return run(restartFrom, Stage.QUALITY);
  }

  /** As {@link #run(Stage)}, stopping after {@code stopAfter}. */
  public Summary run(Stage restartFrom, Stage stopAfter) throws IOException, SkippedSample {
    if (restartFrom != null && restartFrom.compareTo(stopAfter) > 0) {
      throw new IllegalArgumentException(
          "--restart-from " + restartFrom.key() + " comes after --stop-after " + stopAfter.key());
    }
    Files.createDirectories(out);
    Map<Stage, Double> seconds = new LinkedHashMap<>();
    List<Stage> ran = new ArrayList<>();
    boolean running = false;
    for (Stage stage : Stage.values()) {
      if (stage == restartFrom) running = true;
      if (!running && Files.isRegularFile(marker(stage))) {
        seconds.put(stage, JSON.readTree(marker(stage).toFile()).get("seconds").asDouble());
        log.printf(Locale.ROOT, "== %s: done earlier (%.0f s)%n", stage.key(), seconds.get(stage));
        continue;
      }
      // The first unfinished stage resumes from its last checkpoint; a stage run again, or after a
      // stage that ran now (its inputs changed), starts over.
      if (stage == restartFrom || !ran.isEmpty() || Files.isRegularFile(marker(stage)))
        TinyModelFiles.deleteTree(runFolder(stage));
      running = true;
      log.printf(Locale.ROOT, "== %s%n", stage.key());
      long start = System.nanoTime();
      runStage(stage);
      double s = (System.nanoTime() - start) / 1e9;
      seconds.put(stage, s);
      ran.add(stage);
      ObjectNode done = JSON.createObjectNode();
      done.put("stage", stage.key());
      done.put("seconds", s);
      Files.createDirectories(runFolder(stage));
      Files.writeString(marker(stage), done.toPrettyString() + "\n");
      // What later stages built came from this stage's old output: a later invocation must redo
      // them.
      for (Stage later : Stage.values())
        if (later.compareTo(stage) > 0) Files.deleteIfExists(marker(later));
      log.printf(Locale.ROOT, "== %s finished in %.0f s%n", stage.key(), s);
      if (stage == stopAfter) break;
    }
    writeSummary(seconds);
    return new Summary(seconds, ran);
  }

  private void runStage(Stage stage) throws IOException, SkippedSample {
    switch (stage) {
      case TOKENIZERS -> tokenizersStage();
      case TEACHER -> teacherStage();
      case VAE -> vaeStage();
      case BASE -> baseStage();
      case STUDENT -> studentStage();
      case ALIGNMENT -> alignmentStage();
      case QUALITY -> qualityStage();
    }
  }

  // ---- 1. tokenizers ------------------------------------------------------------------------

  private void tokenizersStage() throws IOException {
    TinyModelFiles.deleteTree(tokenizers());
    var summary =
        TinyTokenizers.build(
            tokenizers(),
            settings.dataSeed(),
            TinyTokenizers.DEFAULT_VOCAB_SIZE,
            settings.partialCaptions());
    log.println(summary);
  }

  // ---- 2. teacher CLIP ----------------------------------------------------------------------

  private void teacherStage() {
    Path tokenizer = tokenizers().resolve(TinyTokenizers.ENGLISH);
    ClipTokenizer clipTokenizer = ClipTokenizer.load(tokenizer);
    int vocab = Math.max(clipTokenizer.eosId(), clipTokenizer.bosId()) + 1;
    TinyClipConfig config =
        TinyClipConfig.defaults(
            vocab, clipTokenizer.bosId(), clipTokenizer.eosId(), clipTokenizer.modelMaxLength());
    TinyClipTrainer.Options options =
        new TinyClipTrainer.Options(
            settings.seed(),
            settings.dataSeed(),
            settings.clipSteps(),
            0,
            128,
            2e-3,
            0.05,
            0.05,
            settings.trainPictures(),
            settings.partialCaptions());
    TinyClipTrainer.Result r = TinyClipTrainer.train(config, tokenizer, options, log::println);
    log.printf(
        Locale.ROOT,
        "teacher: %d steps in %.0f s; loss %.3f -> %.3f%n",
        r.steps(),
        r.seconds(),
        r.meanFirst(20),
        r.meanLast(20));
    r.clip().save(teacher());
  }

  // ---- 3. VAE -------------------------------------------------------------------------------

  private void vaeStage() throws IOException, SkippedSample {
    ObjectNode config = TinyModelFiles.vaeConfig(1.0);
    AutoencoderKL vae =
        new AutoencoderKL(
            AutoencoderKLConfig.from(
                JsonConfig.parse(runFolder(Stage.VAE).resolve("config.json"), config.toString())));
    vae.initialize(Tensors.generator(settings.seed()));
    Dataset<ImageText> data =
        ShapesTrainingData.imageText(
            settings.dataSeed(), settings.trainPictures(), 64, List.of(Language.EN));
    ObjectNode sources = JSON.createObjectNode();
    sources.put("data", data.describe());
    var task =
        new VaeTraining(
            vae, data, settings.vaeL1(), settings.vaeKl(), config.toPrettyString() + "\n", sources);
    train(Stage.VAE, task, settings.vae(), 0);
    Path trained = runFolder(Stage.VAE).resolve("final");
    AutoencoderKL result = AutoencoderKL.fromPretrained(trained);
    double std = latentStd(result, data);
    double scaling = Math.round(1e5 / std) / 1e5;
    log.printf(Locale.ROOT, "vae: latent std %.4f -> scaling_factor %.5f%n", std, scaling);
    TinyModelFiles.deleteTree(vae());
    TinyModelFiles.copyTree(trained, vae());
    TinyModelFiles.write(vae().resolve("config.json"), TinyModelFiles.vaeConfig(scaling));
  }

  /**
   * Standard deviation of latents sampled from the first pictures (what Stable Diffusion's 0.18215
   * came from).
   */
  private double latentStd(AutoencoderKL vae, Dataset<ImageText> data) throws SkippedSample {
    double sum = 0, sumSq = 0;
    long count = 0;
    var generator = Tensors.generator(settings.seed());
    int n = Math.min(SCALING_SAMPLES, data.size());
    for (int from = 0; from < n; from += 64) {
      int to = Math.min(n, from + 64);
      List<ImageText> batch = new ArrayList<>();
      for (int i = from; i < to; i++) batch.add(data.get(i));
      try (PointerScope scope = new PointerScope();
          NoGradGuard g = new NoGradGuard()) {
        DiagonalGaussian d = vae.encode(ImageText.stack(batch)); // [B, 3, 64, 64] -> [B, 4, 16, 16]
        for (float v : Tensors.toFloats(d.sample(generator))) {
          sum += v;
          sumSq += (double) v * v;
          count++;
        }
      }
    }
    double mean = sum / count;
    return Math.sqrt(sumSq / count - mean * mean);
  }

  // ---- 4. English base model ----------------------------------------------------------------

  private void baseStage() throws IOException {
    Path init = runFolder(Stage.BASE).resolve("init");
    TinyModelFiles.deleteTree(init);
    TinyModelFiles.write(init.resolve("model_index.json"), TinyModelFiles.modelIndex(false));
    TinyModelFiles.write(
        init.resolve("scheduler/scheduler_config.json"), TinyModelFiles.schedulerConfig());
    TinyModelFiles.copyTree(teacher().resolve(TinyClip.TEXT_ENCODER), init.resolve("text_encoder"));
    TinyModelFiles.copyTree(teacher().resolve(TinyClip.TOKENIZER), init.resolve("tokenizer"));
    TinyModelFiles.copyTree(vae(), init.resolve("vae"));
    ObjectNode unetConfig = TinyModelFiles.unetConfig(settings.unet());
    TinyModelFiles.write(init.resolve("unet/config.json"), unetConfig);
    UNet2DConditionModel unet =
        new UNet2DConditionModel(UNet2DConditionConfig.read(init.resolve("unet/config.json")));
    unet.initialize(Tensors.generator(settings.seed()));
    SafeTensors.write(
        init.resolve("unet/diffusion_pytorch_model.safetensors"),
        unet.stateDict(),
        Map.of("format", "pt"));
    log.printf(Locale.ROOT, "base UNet: %,d parameters%n", unet.parameterCount());

    Dataset<ImageText> data =
        ShapesTrainingData.imageText(
            settings.dataSeed(),
            settings.trainPictures(),
            64,
            List.of(Language.EN),
            false,
            settings.partialCaptions());
    // the folder as the pipeline loads it (the UNet just written; CLIP gets no attention mask)
    trainUnet(
        Stage.BASE,
        init,
        PipelineLoader.components(init),
        data,
        64,
        DiffusionTraining.Stage.QUALITY,
        settings.base(),
        settings.emaDecay());
    TinyModelFiles.deleteTree(base());
    TinyModelFiles.copyTree(runFolder(Stage.BASE).resolve("final-ema"), base());
  }

  // ---- 5. multilingual student --------------------------------------------------------------

  private void studentStage() throws IOException {
    Path init = runFolder(Stage.STUDENT).resolve("init");
    TinyModelFiles.deleteTree(init);
    Path studentTokenizer = tokenizers().resolve(TinyTokenizers.MULTILINGUAL);
    XlmRobertaTokenizer tokenizer = XlmRobertaTokenizer.load(studentTokenizer);
    TinyModelFiles.write(
        init.resolve("config.json"),
        TinyModelFiles.studentConfig(tokenizer.vocabSize(), MAX_LENGTH));
    var student =
        new RobertaSeriesModelWithTransformation(
            RobertaSeriesConfig.read(init.resolve("config.json")));
    student.initialize(Tensors.generator(settings.seed()));
    ClipTextModel teacherText =
        ClipTextModel.fromPretrained(teacher().resolve(TinyClip.TEXT_ENCODER));
    PromptTokenizer teacherTokenizer = PromptTokenizer.load(teacher().resolve(TinyClip.TOKENIZER));
    ParallelText pairs =
        ShapesTrainingData.parallelText(settings.dataSeed(), settings.partialCaptions());
    ObjectNode sources = JSON.createObjectNode();
    sources.put("teacher", out.relativize(teacher()).toString());
    sources.put("data", pairs.describe());
    var task =
        new TextDistillation(
            student,
            teacherText,
            TextDistillation.Tokenize.with(tokenizer, MAX_LENGTH),
            TextDistillation.Tokenize.with(teacherTokenizer, MAX_LENGTH),
            pairs,
            TextDistillation.Loss.MSE,
            init,
            sources);
    log.printf(
        Locale.ROOT, "student: %,d parameters, %s%n", student.parameterCount(), pairs.describe());
    train(Stage.STUDENT, task, settings.student(), 0);
    TinyModelFiles.deleteTree(student());
    TinyModelFiles.copyTree(runFolder(Stage.STUDENT).resolve("final"), student());
  }

  // ---- 6. concept alignment -----------------------------------------------------------------

  private void alignmentStage() throws IOException {
    Path init = runFolder(Stage.ALIGNMENT).resolve("init");
    TinyModelFiles.deleteTree(init);
    TinyModelFiles.write(init.resolve("model_index.json"), TinyModelFiles.modelIndex(true));
    TinyModelFiles.write(
        init.resolve("scheduler/scheduler_config.json"), TinyModelFiles.schedulerConfig());
    TinyModelFiles.copyTree(student(), init.resolve("text_encoder"));
    TinyModelFiles.copyTree(
        tokenizers().resolve(TinyTokenizers.MULTILINGUAL), init.resolve("tokenizer"));
    TinyModelFiles.copyTree(vae(), init.resolve("vae"));
    TinyModelFiles.copyTree(base().resolve("unet"), init.resolve("unet"));
    int resolution = settings.alignmentResolution();
    trainMultilingual(
        Stage.ALIGNMENT,
        init,
        resolution,
        DiffusionTraining.Stage.CONCEPT_ALIGNMENT,
        settings.alignment(),
        0);
  }

  // ---- 7. quality ---------------------------------------------------------------------------

  private void qualityStage() throws IOException {
    Path init = runFolder(Stage.ALIGNMENT).resolve("final");
    trainMultilingual(
        Stage.QUALITY,
        init,
        64,
        DiffusionTraining.Stage.QUALITY,
        settings.quality(),
        settings.emaDecay());
    TinyModelFiles.deleteTree(model());
    TinyModelFiles.copyTree(runFolder(Stage.QUALITY).resolve("final-ema"), model());
  }

  private void trainMultilingual(
      Stage stage,
      Path init,
      int resolution,
      DiffusionTraining.Stage unetStage,
      RecipeSettings.Run run,
      double ema)
      throws IOException {
    ModelComponents components = PipelineLoader.components(init);
    Dataset<ImageText> data =
        ShapesTrainingData.imageText(
            settings.dataSeed(),
            settings.trainPictures(),
            resolution,
            List.of(Language.values()),
            false,
            settings.partialCaptions());
    trainUnet(stage, init, components, data, resolution, unetStage, run, ema);
  }

  private void trainUnet(
      Stage stage,
      Path init,
      ModelComponents components,
      Dataset<ImageText> data,
      int resolution,
      DiffusionTraining.Stage unetStage,
      RecipeSettings.Run run,
      double ema)
      throws IOException {
    AutoencoderKL vae = components.vae();
    SchedulerConfig scheduler = components.scheduler();
    Files.createDirectories(runFolder(stage));
    LatentCache cache =
        LatentCache.build(
            data, vae, resolution, 64, runFolder(stage).resolve("latents.safetensors"), true);
    ObjectNode sources = JSON.createObjectNode();
    sources.put("model", out.relativize(init).toString());
    sources.put("data", data.describe());
    sources.put("resolution", resolution);
    var task =
        new DiffusionTraining(
            components.unet(),
            vae,
            components.text(),
            MAX_LENGTH,
            NoiseSchedule.of(scheduler),
            scheduler.predictionType(),
            unetStage,
            0.1,
            settings.snrGamma(),
            data,
            cache,
            init,
            sources);
    log.printf(
        Locale.ROOT,
        "%s: %s at %dx%d, %d trained tensors%n",
        stage.key(),
        data.describe(),
        resolution,
        resolution,
        task.trainable().size());
    train(stage, task, run, ema);
  }

  // ---- shared -------------------------------------------------------------------------------

  private <T> void train(Stage stage, TrainingTask<T> task, RecipeSettings.Run run, double ema)
      throws IOException {
    long warmup = Math.max(1, run.steps() / 20);
    TrainConfig config =
        new TrainConfig(
            run.steps(),
            run.batchSize(),
            1,
            run.lr(),
            "cosine",
            warmup,
            run.lr() / 10,
            new AdamWOptimizer.Settings(run.lr(), 0.9, 0.999, 1e-8, 1e-2),
            1.0,
            ema,
            settings.seed(),
            true,
            NonFinitePolicy.STOP,
            Math.max(1, run.steps() / 4),
            1);
    Trainer.Options options =
        new Trainer.Options(runFolder(stage), true, null, log, terminal, true);
    Trainer.Result r = new Trainer<>(config, task, Distributed.single(), options).run();
    log.printf(
        Locale.ROOT,
        "%s: %d steps, loss %.5f -> %.5f%n",
        stage.key(),
        r.steps(),
        r.firstLoss(),
        r.lastLoss());
  }

  private void writeSummary(Map<Stage, Double> seconds) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.set("settings", JSON.valueToTree(settings));
    ObjectNode s = o.putObject("seconds");
    seconds.forEach((k, v) -> s.put(k.key(), Math.round(v * 10) / 10.0));
    o.put(
        "total_seconds",
        Math.round(seconds.values().stream().mapToDouble(Double::doubleValue).sum() * 10) / 10.0);
    o.put("threads", String.valueOf(org.altdiffusion.engine.Torch.applied()));
    Files.writeString(out.resolve("recipe.json"), o.toPrettyString() + "\n");
  }

  /** Reads {@code recipe.json} of a finished run (null when absent). */
  public static JsonNode readSummary(Path out) throws IOException {
    Path f = out.resolve("recipe.json");
    return Files.isRegularFile(f) ? JSON.readTree(f.toFile()) : null;
  }
}
