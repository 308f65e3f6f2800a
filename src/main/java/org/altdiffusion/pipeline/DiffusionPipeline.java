package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.ParallelPair;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.ThreadSettings;
import org.altdiffusion.engine.ThreadSettings.ParallelGuidance;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.engine.TorchErrors;
import org.altdiffusion.image.ImageTensors;
import org.altdiffusion.models.text.TextEncoder;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.schedulers.Scheduler;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tokenizer.Encoding;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Text-to-image and image-to-image generation, step for step as diffusers' AltDiffusion (and Stable
 * Diffusion) pipelines: the same prompt encoding, initial noise from torch's CPU generator (one per
 * image, seeded seed, seed+1, ...), the same guidance arithmetic and the same decoding, so that
 * equal seeds give equal images.
 */
public final class DiffusionPipeline implements ImageGenerator {

  /**
   * A loaded model.
   *
   * @param name shown as "Model" in the infotext
   * @param tokenizer the text encoder's tokenizer
   * @param textEncoder XLM-R (AltDiffusion) or CLIP (Stable Diffusion)
   * @param useAttentionMask whether the encoder is given the padding mask (AltDiffusion: yes)
   * @param unet the denoiser
   * @param vae the latent autoencoder
   * @param scheduler the model's scheduler_config.json
   */
  public record Components(
      String name,
      PromptTokenizer tokenizer,
      TextEncoder textEncoder,
      boolean useAttentionMask,
      UNet2DConditionModel unet,
      AutoencoderKL vae,
      SchedulerConfig scheduler) {}

  private final Components model;
  private final ParallelGuidance parallelGuidance;

  /** A pipeline with the process's {@link ThreadSettings#parallelGuidance()} choice. */
  public DiffusionPipeline(Components model) {
    this(model, Torch.current().parallelGuidance());
  }

  private DiffusionPipeline(Components model, ParallelGuidance parallelGuidance) {
    this.model = model;
    this.parallelGuidance = parallelGuidance;
  }

  /**
   * The same model, with guided steps always run as two side-by-side passes, or always as one
   * batch.
   */
  public DiffusionPipeline withParallelGuidance(boolean parallel) {
    return new DiffusionPipeline(model, parallel ? ParallelGuidance.ON : ParallelGuidance.OFF);
  }

  public Components components() {
    return model;
  }

  @Override
  public String modelName() {
    return model.name();
  }

  @Override
  public List<String> samplerNames() {
    return Samplers.names();
  }

  @Override
  public int defaultSize() {
    Integer sampleSize = model.unet().config.sampleSize();
    // diffusers' pipelines need sample_size; a config without it gets SD's 64 (512 pixels)
    return (sampleSize == null ? 64 : sampleSize) * model.vae().downscaleFactor();
  }

  /** Text-to-image when {@code init} is null, image-to-image otherwise. */
  @Override
  public List<GeneratedImage> generate(
      GenerationRequest request, InitImage init, ProgressListener progress) {
    return generate(request, null, init, progress);
  }

  /**
   * Text-to-image for several prompts in one batch, as diffusers does for a list of prompts: image
   * i shows {@code prompts.get(i)} and is seeded {@code seed + i}, as image i of a batch is. The
   * request's prompt and batch size are not used; its other settings apply to every image.
   */
  public List<GeneratedImage> generateEach(
      List<String> prompts, GenerationRequest settings, ProgressListener progress) {
    if (prompts == null || prompts.isEmpty())
      throw new IllegalArgumentException("at least one prompt is required");
    if (prompts.size() > GenerationRequest.MAX_BATCH) {
      throw new IllegalArgumentException(
          prompts.size()
              + " prompts in one batch; at most "
              + GenerationRequest.MAX_BATCH
              + " are accepted");
    }
    for (String p : prompts)
      if (p == null)
        throw new IllegalArgumentException("a prompt is null (use \"\" for no prompt)");
    return generate(settings.withBatchSize(prompts.size()), List.copyOf(prompts), null, progress);
  }

  private List<GeneratedImage> generate(
      GenerationRequest request, List<String> prompts, InitImage init, ProgressListener progress) {
    request.validate();
    int width = request.width() == 0 ? defaultSize() : request.width();
    int height = request.height() == 0 ? defaultSize() : request.height();
    if (init != null && (init.image().getWidth() != width || init.image().getHeight() != height)) {
      throw new IllegalArgumentException(
          "init image is "
              + init.image().getWidth()
              + "x"
              + init.image().getHeight()
              + " but the request is "
              + width
              + "x"
              + height
              + ": resize it or ask for its size");
    }
    checkMemory(width, height, request.batchSize(), request.guidance() > 1.0);
    Scheduler scheduler =
        request.sampler() == null
            ? Samplers.create(model.scheduler())
            : Samplers.byName(request.sampler(), model.scheduler());
    long seed = request.seed() == null ? randomSeed() : request.seed();
    try (NoGradGuard noGrad = new NoGradGuard();
        PointerScope scope = new PointerScope()) {
      boolean guided = request.guidance() > 1.0;
      Tensor context =
          prompts == null
              ? encodeWithGuidance(
                  request.prompt(), request.negativePrompt(), request.batchSize(), guided)
              : encodeEachWithGuidance(prompts, request.negativePrompt(), guided); // [(2)B, T, D]
      Tensor images =
          run(
              request,
              context,
              init,
              scheduler,
              seed,
              width,
              height,
              progress == null ? ProgressListener.NONE : progress);
      return toResults(images, request, prompts, scheduler, seed, width, height, init);
    } finally {
      scheduler.close();
    }
  }

  /** Refuses, before any work, a size and batch whose working memory this machine does not have. */
  private void checkMemory(int width, int height, int images, boolean guided) {
    var unet = model.unet().config;
    var vae = model.vae().config;
    long needed =
        MemoryEstimate.bytesNeeded(
            unet.blockOutChannels().get(0),
            vae.blockOutChannels().get(0),
            model.vae().downscaleFactor(),
            width,
            height,
            images * (guided ? 2 : 1),
            images);
    MemoryEstimate.check(needed, MemoryEstimate.availableBytes(), width, height, images);
  }

  private Tensor run(
      GenerationRequest r,
      Tensor context,
      InitImage init,
      Scheduler scheduler,
      long seed,
      int width,
      int height,
      ProgressListener progress) {
    int batch = r.batchSize();
    boolean guided = r.guidance() > 1.0;
    Noise noise = Noise.perSample(Noise.seeded(seed, batch));
    scheduler.setEta(r.eta());
    scheduler.setTimesteps(r.steps());
    int factor = model.vae().downscaleFactor();
    long[] latentShape = {batch, model.unet().config.inChannels(), height / factor, width / factor};
    int start = 0;
    Tensor latents;
    if (init == null) {
      latents = noise.randn(latentShape).mul(new Scalar(scheduler.initNoiseSigma()));
    } else {
      start = scheduler.img2imgStart(init.strength());
      latents = initialLatents(init, batch, noise, scheduler, start, latentShape);
    }
    double[] timesteps = scheduler.timesteps();
    for (int i = start; i < timesteps.length; i++) {
      Scheduler.StepResult step =
          denoiseStep(scheduler, i, timesteps[i], latents, context, r, guided, noise);
      latents = step.prevSample();
      Tensor x0 = step.predOriginalSample() == null ? latents : step.predOriginalSample();
      if (!progress.onStep(i - start + 1, timesteps.length - start, () -> preview(x0))) {
        throw new GenerationCancelledException(i - start + 1);
      }
    }
    return decode(latents);
  }

  /** One guided UNet evaluation and scheduler step; its intermediates die with it. */
  private Scheduler.StepResult denoiseStep(
      Scheduler scheduler,
      int i,
      double t,
      Tensor latents,
      Tensor context,
      GenerationRequest r,
      boolean guided,
      Noise noise) {
    Tensor[] kept = new Tensor[2];
    Scopes.run(
        () -> {
          Tensor input = scheduler.scaleModelInput(latents, i); // [B, C, h, w]
          Tensor eps =
              guided
                  ? guide(noiseHalves(input, t, context), r.guidance(), r.guidanceRescale())
                  : model.unet().forward(input, t, context);
          Scheduler.StepResult s = scheduler.step(eps, i, latents, noise);
          kept[0] = Scopes.retain(s.prevSample());
          kept[1] = s.predOriginalSample() == null ? null : Scopes.retain(s.predOriginalSample());
        });
    PointerScope outer = PointerScope.getInnerScope();
    for (Tensor k : kept) {
      if (k == null) continue;
      if (outer != null) outer.attach(k);
      k.releaseReference();
    }
    return new Scheduler.StepResult(kept[0], kept[1]);
  }

  /**
   * The unconditional and conditional noise predictions for {@code input} ([B, C, h, w]) under
   * {@code context} ([negative x B, prompt x B, T, D]): side by side on two workers when {@link
   * #parallelGuidance} says so for passes of this size, otherwise as one batch of 2B as diffusers
   * runs it. Both ways give the same numbers up to float rounding (each image's rows are
   * independent).
   */
  private Tensor[] noiseHalves(Tensor input, double t, Tensor context) {
    long batch = input.size(0);
    UNet2DConditionModel unet = model.unet();
    long firstLevelValues =
        batch * unet.config.blockOutChannels().get(0) * input.size(2) * input.size(3);
    if (parallelGuidance.sideBySide(firstLevelValues, Torch.current().torchThreads())) {
      Tensor negative = context.narrow(0, 0, batch); // [B, T, D]
      Tensor positive = context.narrow(0, batch, batch); // [B, T, D]
      return ParallelPair.run(
          () -> unet.forward(input, t, negative), () -> unet.forward(input, t, positive));
    }
    Tensor eps =
        unet.forward(torch.cat(new TensorVector(input, input), 0), t, context); // [2B, C, h, w]
    var halves = eps.chunk(2, 0);
    return new Tensor[] {halves.get(0), halves.get(1)};
  }

  /**
   * eps_u + g (eps_c - eps_u), then optionally rescaled towards the conditional std
   * (guidance_rescale).
   */
  static Tensor guide(Tensor[] uncondAndCond, double scale, double rescale) {
    Tensor uncond = uncondAndCond[0];
    Tensor cond = uncondAndCond[1];
    Tensor guided = uncond.add(cond.sub(uncond).mul(new Scalar(scale)));
    if (rescale <= 0) return guided;
    long[] dims = {1, 2, 3};
    Tensor stdCond = cond.std(dims, true, true);
    Tensor stdGuided = guided.std(dims, true, true);
    Tensor rescaled = guided.mul(stdCond.div(stdGuided));
    return rescaled.mul(new Scalar(rescale)).add(guided.mul(new Scalar(1 - rescale)));
  }

  /**
   * Prompt and negative prompt to the UNet's context, as diffusers' encode_prompt: each encoded
   * once and repeated per image; the negative prompt padded to the prompt's length; [negative,
   * prompt].
   */
  Tensor encodeWithGuidance(String prompt, String negativePrompt, int batch, boolean guided) {
    Tensor cond = encode(prompt, model.tokenizer().modelMaxLength());
    Tensor positive = repeat(cond, batch);
    if (!guided) return positive;
    Tensor uncond = encode(negativePrompt, (int) cond.size(1));
    return torch.cat(new TensorVector(repeat(uncond, batch), positive), 0);
  }

  /**
   * Each prompt encoded on its own, stacked; the negative prompt once, repeated: [negative x B,
   * prompts].
   */
  Tensor encodeEachWithGuidance(List<String> prompts, String negativePrompt, boolean guided) {
    TensorVector rows = new TensorVector();
    for (String p : prompts)
      rows.push_back(encode(p, model.tokenizer().modelMaxLength())); // [1, T, D] each
    Tensor positive = torch.cat(rows, 0); // [B, T, D]
    if (!guided) return positive;
    Tensor uncond = encode(negativePrompt, (int) positive.size(1));
    return torch.cat(new TensorVector(repeat(uncond, prompts.size()), positive), 0);
  }

  /** One prompt to [1, T, D]. */
  public Tensor encode(String prompt, int maxLength) {
    Encoding e = model.tokenizer().encode(prompt, maxLength);
    Tensor ids = Tensors.fromLongs(e.ids(), 1, e.ids().length);
    Tensor mask =
        model.useAttentionMask()
            ? Tensors.fromLongs(e.attentionMask(), 1, e.attentionMask().length)
            : null;
    return TorchErrors.guard("text encoder", () -> model.textEncoder().encode(ids, mask));
  }

  /** Number of tokens {@code prompt} has beyond the encoder's window (0 when it fits). */
  public int truncatedTokens(String prompt) {
    Encoding e = model.tokenizer().encode(prompt);
    return Math.max(0, e.untruncatedLength() - e.length());
  }

  private static Tensor repeat(Tensor oneRow, int times) {
    return times == 1 ? oneRow : oneRow.repeat(times, 1, 1); // [times, T, D]
  }

  /**
   * The encoded picture, noised to the level of step {@code start}, as diffusers' img2img with one
   * generator per image: each image's posterior sample is drawn from its own generator, then each
   * image's noise.
   */
  private Tensor initialLatents(
      InitImage init, int batch, Noise noise, Scheduler scheduler, int start, long[] shape) {
    if (start >= scheduler.timesteps().length) {
      throw new IllegalArgumentException(
          "denoising strength "
              + init.strength()
              + " leaves no step to run with "
              + scheduler.timesteps().length
              + " steps; raise the strength or the steps");
    }
    var posterior =
        model.vae().encode(ImageTensors.toTensor(init.image())); // mean, logvar: [1, C, h, w]
    Tensor mean = posterior.mean().repeat(batch, 1, 1, 1); // [B, C, h, w]
    Tensor std = posterior.std().repeat(batch, 1, 1, 1); // [B, C, h, w]
    Tensor sample = mean.add(std.mul(noise.like(mean)));
    Tensor latents = sample.mul(new Scalar(model.vae().scalingFactor()));
    return scheduler.addNoise(latents, noise.randn(shape), start);
  }

  private Tensor decode(Tensor latents) {
    Tensor scaled = latents.div(new Scalar(model.vae().scalingFactor()));
    Tensor image = model.vae().decode(scaled);
    return image
        .div(new Scalar(2))
        .add(new Scalar(0.5))
        .clamp(
            new ScalarOptional(new Scalar(0.0)),
            new ScalarOptional(new Scalar(1.0))); // [B, 3, H, W]
  }

  private BufferedImage preview(Tensor latents) {
    try (PointerScope s = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      return ImageTensors.toImage(decode(latents.narrow(0, 0, 1)).get(0));
    }
  }

  private List<GeneratedImage> toResults(
      Tensor images,
      GenerationRequest r,
      List<String> prompts,
      Scheduler scheduler,
      long seed,
      int width,
      int height,
      InitImage init) {
    List<GeneratedImage> out = new ArrayList<>();
    for (int i = 0; i < r.batchSize(); i++) {
      Map<String, String> s = new LinkedHashMap<>();
      s.put("Steps", Integer.toString(r.steps()));
      s.put("Sampler", Samplers.displayName(r.sampler(), model.scheduler()));
      s.put("CFG scale", number(r.guidance()));
      s.put("Seed", Long.toString(seed + i));
      s.put("Size", width + "x" + height);
      s.put("Model", model.name());
      if (init != null) s.put("Denoising strength", number(init.strength()));
      if (r.guidanceRescale() > 0) s.put("CFG Rescale", number(r.guidanceRescale()));
      if (r.eta() > 0) s.put("Eta", number(r.eta()));
      if (r.batchSize() > 1) {
        s.put("Batch size", Integer.toString(r.batchSize()));
        s.put("Batch pos", Integer.toString(i));
      }
      s.put("Version", "altdiffusion-jvm");
      String prompt = prompts == null ? r.prompt() : prompts.get(i);
      out.add(
          new GeneratedImage(
              ImageTensors.toImage(images.get(i)),
              seed + i,
              new Infotext(prompt, r.negativePrompt(), s)));
    }
    return Collections.unmodifiableList(out);
  }

  /** A1111 writes 7 for 7.0 and 7.5 for 7.5. */
  static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%s", v);
  }

  /** A1111's random seed range. */
  static long randomSeed() {
    return new SecureRandom().nextLong(4_294_967_294L);
  }
}
