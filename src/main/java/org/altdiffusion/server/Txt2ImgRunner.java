package org.altdiffusion.server;

import java.awt.image.BufferedImage;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.ResizeMode;
import org.altdiffusion.models.text.PromptOptions;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.pipeline.GenerationCancelledException;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.ImageGenerator;
import org.altdiffusion.pipeline.Infotext;
import org.altdiffusion.pipeline.InitImage;
import org.altdiffusion.pipeline.InpaintMask;
import org.altdiffusion.pipeline.ProgressListener;
import org.altdiffusion.pipeline.Seeds;

/**
 * Runs jobs on the worker thread: loads the job's model when needed, then generates n_iter batches
 * (img2img: from the init image, decoded and fitted to the size here, once per job), reporting each
 * step to the job and stopping within one step when it is cancelled, interrupted (keeps the
 * finished batches) or skipped (drops the current batch only).
 */
final class Txt2ImgRunner implements JobQueue.Runner {
  private static final Logger LOG = Logger.getLogger(Txt2ImgRunner.class.getName());
  static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT);

  private final Models models;
  private final OutputFolder output;

  private final LoraRoutes loras;

  private final ServerConfig config;

  private final ControlNetJobs controlNets;

  Txt2ImgRunner(Models models, OutputFolder output, LoraRoutes loras, ServerConfig config) {
    this.config = config;
    this.controlNets = new ControlNetJobs(new ControlNetFolder(config.controlNets()));
    this.models = models;
    this.output = output;
    this.loras = loras;
  }

  @Override
  public void run(Job job) throws Exception {
    ImageGenerator generator = models.acquire(job.model);
    if (job.kind.generates()) job.result = generate(job, generator);
  }

  private Txt2ImgResult generate(Job job, ImageGenerator generator) {
    Txt2ImgRequest r = job.request;
    List<String> warnings = new ArrayList<>();
    String sampler = Samplers.resolve(r.sampler(), generator.samplerNames());
    int width = r.width() == 0 ? generator.defaultSize() : r.width();
    int height = r.height() == 0 ? generator.defaultSize() : r.height();
    InitImage init = null;
    InpaintMask mask = null;
    if (r.init() != null) {
      var i = r.init();
      if (i.inpaint() == null) {
        init =
            new InitImage(
                InitImages.prepare(i.image(), width, height, i.resizeMode()),
                i.denoisingStrength());
      } else {
        var p = i.inpaint();
        BufferedImage original = InitImages.decode(i.image());
        int ow = original.getWidth();
        int oh = original.getHeight();
        GrayImage m = InitImages.mask(p.mask(), ow, oh, warnings);
        if (p.cropPadding() != null) {
          // A1111's only masked: the original at its size, the crop inpainted at width x height
          // and pasted back into it
          init = new InitImage(original, i.denoisingStrength());
        } else {
          init = new InitImage(i.resizeMode().fit(original, width, height), i.denoisingStrength());
          m = InitImages.fit(m, width, height, i.resizeMode());
        }
        // A1111 always pastes the original back outside the mask; the crop does it by itself
        boolean crop = p.cropPadding() != null;
        mask =
            new InpaintMask(
                m, p.blurX(), p.blurY(), p.invert(), !crop, p.cropPadding(), crop, p.fill());
      }
      if (i.ignoredImages() > 0)
        warnings.add(
            "init_images: only the first image is used; "
                + i.ignoredImages()
                + " more were ignored");
    }
    GenerationRequest base =
        GenerationRequest.builder(r.prompt())
            .negativePrompt(r.negativePrompt())
            .steps(r.steps())
            .guidance(r.cfgScale())
            .sampler(sampler)
            .schedule(Samplers.schedule(r.scheduler()))
            .seed(job.seed)
            .size(width, height)
            .batchSize(r.batchSize())
            .eta(r.eta() == null ? 0.0 : r.eta())
            .initImage(init)
            .tiling(r.parameters().path("tiling").asBoolean(false))
            .mask(mask)
            .loras(loras.specs(r.prompt()))
            .promptOptions(
                new PromptOptions(
                    PromptOptions.Syntax.A1111,
                    Txt2ImgRequest.clipSkip(r.parameters()),
                    config.embeddings()))
            .hires(
                r.init() == null
                    ? HiresFields.of(r.parameters(), config, generator.samplerNames())
                    : null)
            .build();
    List<ControlNetArgs.Unit> controlUnits =
        ControlNetArgs.parse(
            r.parameters().get("alwayson_scripts"), controlNets.folder(), r.init() != null);
    if (!controlUnits.isEmpty())
      base =
          base.toBuilder()
              .control(controlNets.control(controlUnits, r, width, height, warnings))
              .build();
    double strength = r.parameters().get("subseed_strength").doubleValue();
    if (strength > 0) {
      long asked = r.parameters().get("subseed").longValue();
      job.subseed = Seeds.resolve(Seeds.fromUser(asked));
      base =
          base.toBuilder()
              .variation(new GenerationRequest.Variation(job.subseed, strength))
              .build();
    }
    List<String> problems = new ArrayList<>(base.problems());
    if (base.hires() != null)
      problems.addAll(HiresFields.problems(base.hires(), width, height, r.steps(), config));
    if (!problems.isEmpty()) throw ApiException.invalid(String.join("; ", problems));
    if (mask != null && mask.repaintsNothing())
      return unchanged(job, generator, base, init, width, height, warnings);

    String timestamp = LocalDateTime.now().format(TIMESTAMP);
    List<GeneratedImage> images = new ArrayList<>();
    job.iterations = r.nIter();
    job.steps = init == null ? r.steps() : init.stepsRun(r.steps());
    boolean interrupted = false;
    for (int n = 0; n < r.nIter(); n++) {
      if (job.cancelRequested) throw new GenerationCancelledException(0);
      if (job.interruptRequested) {
        interrupted = true;
        break;
      }
      job.iteration = n;
      job.step = 0;
      job.skipRequested = false;
      GenerationRequest.Builder next = base.toBuilder().seed(job.seed + (long) n * r.batchSize());
      if (strength > 0)
        next.variation(
            new GenerationRequest.Variation(job.subseed + (long) n * r.batchSize(), strength));
      GenerationRequest batch = next.build();
      // interrupt and skip keep the pictures of the current estimate, as A1111 does; cancel throws
      images.addAll(generator.generate(batch, listener(job)));
      if (job.cancelRequested) throw new GenerationCancelledException(job.step);
      if (job.interruptRequested) {
        interrupted = true;
        break;
      }
    }
    if (!controlUnits.isEmpty()) images = ControlNetJobs.withInfotext(images, controlUnits);
    List<String> saved = r.saveImages() ? save(images, warnings) : List.of();
    List<Long> seeds = new ArrayList<>();
    for (int i = 0; i < r.imageCount(); i++) seeds.add(job.seed + i);
    String samplerUsed =
        generator.samplerDisplayName(base.sampling().sampler(), base.sampling().schedule());
    return new Txt2ImgResult(
        List.copyOf(images),
        seeds,
        generator.modelName(),
        samplerUsed,
        width,
        height,
        interrupted,
        timestamp,
        warnings,
        saved);
  }

  /**
   * A mask that repaints nothing: the init picture (at the request's size) for every image, as
   * A1111 returns it, with a warning; nothing is generated.
   */
  private Txt2ImgResult unchanged(
      Job job,
      ImageGenerator generator,
      GenerationRequest base,
      InitImage init,
      int width,
      int height,
      List<String> warnings) {
    Txt2ImgRequest r = job.request;
    warnings.add(
        "mask: it repaints nothing (no pixel is 128 or brighter after inverting and blurring);"
            + " the init image is returned unchanged");
    BufferedImage picture = ResizeMode.JUST_RESIZE.fit(init.image(), width, height);
    String timestamp = LocalDateTime.now().format(TIMESTAMP);
    List<GeneratedImage> images = new ArrayList<>();
    List<Long> seeds = new ArrayList<>();
    for (int i = 0; i < r.imageCount(); i++) {
      long seed = job.seed + i;
      seeds.add(seed);
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("Seed", Long.toString(seed));
      settings.put("Size", width + "x" + height);
      settings.put("Model", generator.modelName());
      if (job.subseed >= 0) {
        settings.put("Variation seed", Long.toString(job.subseed + i));
        settings.put("Variation seed strength", number(base.variation().strength()));
      }
      settings.put("Version", "altdiffusion-jvm");
      images.add(
          new GeneratedImage(
              picture, seed, new Infotext(r.prompt(), r.negativePrompt(), settings)));
    }
    job.iterations = r.nIter();
    job.steps = 0;
    List<String> saved = r.saveImages() ? save(images, warnings) : List.of();
    return new Txt2ImgResult(
        List.copyOf(images),
        seeds,
        generator.modelName(),
        generator.samplerDisplayName(base.sampling().sampler(), base.sampling().schedule()),
        width,
        height,
        false,
        timestamp,
        warnings,
        saved);
  }

  private static ProgressListener listener(Job job) {
    return new ProgressListener() {
      @Override
      public boolean onStep(int step, int total, Supplier<BufferedImage> preview) {
        job.steps = total;
        job.step = step;
        if (job.previewWanted) {
          job.previewWanted = false;
          job.preview = safePreview(preview);
        }
        return !job.stopRequested();
      }

      @Override
      public OnStop onStop() {
        return job.cancelRequested ? OnStop.CANCEL : OnStop.KEEP_CURRENT;
      }
    };
  }

  private static BufferedImage safePreview(Supplier<BufferedImage> preview) {
    try {
      return preview.get();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "preview failed", e);
      return null;
    }
  }

  private List<String> save(List<GeneratedImage> images, List<String> warnings) {
    if (output == null) {
      warnings.add(
          "save_images: this server has no output folder (start it with --output DIR); images were"
              + " not saved");
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (GeneratedImage img : images) {
      try {
        names.add(output.save(img));
      } catch (java.io.IOException e) {
        LOG.log(Level.WARNING, "saving an image failed", e);
        warnings.add("saving an image failed: " + e.getMessage());
      }
    }
    return names;
  }

  /** A number as A1111's infotext writes it: 1 for 1.0, 0.25 for 0.25. */
  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
  }
}
