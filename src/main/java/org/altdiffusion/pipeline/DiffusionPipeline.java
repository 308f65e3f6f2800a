package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.ShutdownGate;
import org.altdiffusion.engine.ThreadSettings;
import org.altdiffusion.engine.ThreadSettings.ParallelGuidance;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.ImageTensors;
import org.altdiffusion.lora.AppliedLoras;
import org.altdiffusion.lora.LoraPrompt;
import org.altdiffusion.lora.LoraTarget;
import org.altdiffusion.models.text.PromptOptions;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.schedulers.SamplerChoice;
import org.altdiffusion.schedulers.SamplerLimits;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.schedulers.Scheduler;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
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
 *
 * <p>One loop ({@link #denoise}) serves every mode: how the latents start is a {@link LatentInit},
 * what the model predicts is a {@link Denoiser} (guidance, extra channels, residuals), and what
 * happens after each step is a {@link StepHook}.
 */
public final class DiffusionPipeline implements ImageGenerator {

  private final ModelComponents model;
  private final ParallelGuidance parallelGuidance;
  private final VaeTiling vaeTiling;
  private final boolean float32Noise;

  /**
   * A pipeline with the process's {@link ThreadSettings#parallelGuidance()} choice and {@link
   * VaeTiling#AUTO}.
   */
  public DiffusionPipeline(ModelComponents model) {
    this(model, Torch.current().parallelGuidance(), VaeTiling.AUTO, false);
  }

  private DiffusionPipeline(
      ModelComponents model,
      ParallelGuidance parallelGuidance,
      VaeTiling vaeTiling,
      boolean float32Noise) {
    this.model = model;
    this.parallelGuidance = parallelGuidance;
    this.vaeTiling = Objects.requireNonNull(vaeTiling, "vaeTiling");
    this.float32Noise = float32Noise;
  }

  /**
   * The same model drawing its noise in float32 whatever the models' type (AUTOMATIC1111's way),
   * or, by default, in the models' type (diffusers' way: another picture per type for one seed).
   * With float32 noise a reduced-precision model starts from the float32 model's noise, which
   * isolates the precision's own effect in a comparison.
   */
  public DiffusionPipeline withFloat32Noise(boolean on) {
    return new DiffusionPipeline(model, parallelGuidance, vaeTiling, on);
  }

  /** The same model with the VAE tiled as {@code mode} says (diffusers' enable_vae_tiling). */
  public DiffusionPipeline withVaeTiling(VaeTiling mode) {
    return new DiffusionPipeline(model, parallelGuidance, mode, float32Noise);
  }

  public VaeTiling vaeTiling() {
    return vaeTiling;
  }

  /**
   * The same model, with guided steps always run as two side-by-side passes, or always as one
   * batch.
   */
  public DiffusionPipeline withParallelGuidance(boolean parallel) {
    return new DiffusionPipeline(
        model, parallel ? ParallelGuidance.ON : ParallelGuidance.OFF, vaeTiling, float32Noise);
  }

  public ModelComponents components() {
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
  public String samplerDisplayName(String sampler, String schedule) {
    return Samplers.resolve(sampler, schedule).displayName(model.scheduler());
  }

  @Override
  public int defaultSize() {
    return model.defaultSize();
  }

  /**
   * Text-to-image, image-to-image when the request has an init image, inpainting when it also has a
   * mask.
   */
  @Override
  public List<GeneratedImage> generate(GenerationRequest request, ProgressListener progress) {
    return generate(request, null, progress);
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
    GenerationRequest request = settings.toBuilder().batchSize(prompts.size()).build();
    return generate(request, List.copyOf(prompts), progress);
  }

  /** A sampler that cannot start from a noised picture is refused for modes that do. */
  private void checkImg2img(
      GenerationRequest request, SamplerChoice sampler, SamplerChoice hiresSampler) {
    if (request.initImage() != null)
      SamplerLimits.checkImg2img(
          sampler, model.scheduler(), request.mask() == null ? "img2img" : "inpainting");
    if (request.hires() != null)
      SamplerLimits.checkImg2img(
          hiresSampler != null ? hiresSampler : sampler, model.scheduler(), "the hires fix");
  }

  private List<GeneratedImage> generate(
      GenerationRequest request, List<String> prompts, ProgressListener progress) {
    request.validate();
    GenerationRequest.Size size = request.size().orDefault(defaultSize());
    boolean cropped = request.mask() != null && request.mask().cropPadding() != null;
    if (!cropped && request.initImage() != null)
      request.initImage().checkSize(size); // a crop is fitted to the size
    InpaintRegion region =
        request.mask() == null ? null : InpaintRegion.of(request.initImage(), request.mask(), size);
    boolean nineChannels = checkChannels(request.mask() != null);
    HiresFix hires = request.hires();
    boolean guided = request.guidance().enabled();
    boolean vaeTiles =
        vaeTiling.tiles(
            model, hires == null ? size : hires.upscaleTo(size), request.batchSize(), guided);
    checkMemory(size, request.batchSize(), guided, vaeTiles);
    if (hires != null) {
      // the size resolved, the second pass's size is known: check it as a request's
      request.toBuilder().size(size.width(), size.height()).build().validate();
      checkMemory(hires.upscaleTo(size), request.batchSize(), guided, vaeTiles);
    }
    SamplerChoice sampler =
        Samplers.resolve(request.sampling().sampler(), request.sampling().schedule());
    SamplerChoice hiresSampler = hiresSampler(request);
    if (hiresSampler != null) hiresSampler.config(model.scheduler()); // refused before any pass
    checkImg2img(request, sampler, hiresSampler);
    long seed = Seeds.resolve(request.seed());
    GenerationRequest.Variation v = request.variation();
    Long subseed = v == null || v.strength() == 0 ? null : Seeds.resolve(v.subseed());
    List<String> shown =
        prompts != null ? prompts : Collections.nCopies(request.batchSize(), request.prompt());
    Scheduler scheduler = sampler.create(model.scheduler());
    // the request's LoRAs are merged into the weights for this generation and taken out after it
    try (AppliedLoras loras = AppliedLoras.apply(request.loras(), loraTargets());
        Tiling tiling = Tiling.apply(request.tiling(), model.unet(), model.vae());
        VaeTiling.Applied vaeTiled = VaeTiling.apply(model.vae(), vaeTiles);
        NoGradGuard noGrad = new NoGradGuard();
        PointerScope scope = new PointerScope()) {
      // <lora:NAME:WEIGHT> tags are for the caller (resolved into request.loras()), not the
      // encoder: it sees the prompt without them, the infotext shows it as written (as A1111)
      List<String> encoded = shown.stream().map(LoraPrompt::strip).toList();
      Tensor context =
          encodeWithGuidance(
              encoded, prompts == null, request.negativePrompt(), request); // [(2)B, T, D]
      Tensor images =
          run(
              request,
              context,
              hiresContext(request, encoded, prompts == null),
              scheduler,
              seed,
              subseed,
              size,
              nineChannels,
              region,
              progress == null ? ProgressListener.NONE : progress);
      Infotexts infotexts =
          new Infotexts(
              request,
              samplerDisplayName(request.sampling().sampler(), request.sampling().schedule()),
              sampler.scheduleType(),
              hiresSampler == null ? null : hiresSampler.displayName(model.scheduler()),
              hiresSampler == null ? null : hiresSampler.scheduleType(),
              seed,
              subseed,
              size,
              model.name(),
              model.hash(),
              noiseSource().dtypeLabel());
      return toResults(
          images,
          shown,
          infotexts,
          seed,
          region == null ? UnaryOperator.identity() : region.finish());
    } finally {
      scheduler.close();
    }
  }

  /**
   * The hires pass's context when it has its own prompt or negative prompt ({@code [(2)B, T, D]}),
   * null when it uses the first pass's.
   */
  private Tensor hiresContext(GenerationRequest r, List<String> encoded, boolean samePrompt) {
    HiresFix h = r.hires();
    if (h == null) return null;
    boolean ownPrompt = !h.promptOr("").isEmpty();
    if (!ownPrompt && h.negativePromptOr("").isEmpty()) return null;
    List<String> prompts =
        ownPrompt ? Collections.nCopies(encoded.size(), LoraPrompt.strip(h.prompt())) : encoded;
    return encodeWithGuidance(
        prompts, ownPrompt || samePrompt, h.negativePromptOr(r.negativePrompt()), r);
  }

  /**
   * The hires pass's sampler: its own (sampler and schedule type, each the first pass's when not
   * given), or null when it has none.
   */
  private static SamplerChoice hiresSampler(GenerationRequest r) {
    HiresFix h = r.hires();
    if (h == null || (h.sampler() == null && h.schedule() == null)) return null;
    return Samplers.resolve(
        h.sampler() != null ? h.sampler() : r.sampling().sampler(),
        h.schedule() != null ? h.schedule() : r.sampling().schedule());
  }

  /** The parts of the model a LoRA may change: the UNet, and the text encoder. */
  private List<LoraTarget> loraTargets() {
    List<LoraTarget> targets = new ArrayList<>();
    targets.add(new LoraTarget(LoraTarget.UNET, model.unet()));
    if (model.textEncoder() instanceof org.altdiffusion.nn.Module encoder)
      targets.add(new LoraTarget(LoraTarget.TEXT_ENCODER, encoder));
    return targets;
  }

  /**
   * Whether the UNet is a 9-channel inpainting UNet (latents, mask, masked picture's latents),
   * which only inpainting can feed; otherwise it must take the latent channels alone.
   */
  private boolean checkChannels(boolean inpainting) {
    int in = model.unet().config.inChannels();
    int latent = model.vae().config.latentChannels();
    if (in == latent) return false;
    if (in == 2 * latent + 1) {
      if (inpainting) return true;
      throw new IllegalArgumentException(
          "this UNet takes "
              + in
              + " input channels (an inpainting UNet): it needs an init image and a mask;"
              + " text-to-image and image-to-image need one that takes the "
              + latent
              + " latent channels");
    }
    throw new IllegalArgumentException(
        "this UNet takes "
            + in
            + " input channels; accepted are "
            + latent
            + " (the latent channels) or, for inpainting, "
            + (2 * latent + 1)
            + " (latents, mask and masked picture's latents)");
  }

  /** Refuses, before any work, a size and batch whose working memory this machine does not have. */
  private void checkMemory(
      GenerationRequest.Size size, int images, boolean guided, boolean vaeTiles) {
    // the host's free memory bounds work on the CPU; on a GPU libtorch's allocator reports
    ComputeDevice device = model.device();
    MemoryEstimate.check(
        MemoryEstimate.bytesNeeded(model, size, images, guided, vaeTiles),
        device.isCpu() ? MemoryEstimate.availableBytes() : -1,
        size.width(),
        size.height(),
        images,
        device.toString());
  }

  /** The request's mode as the loop's three parts, then the loop, then the VAE. */
  private Tensor run(
      GenerationRequest r,
      Tensor context,
      Tensor hiresContext,
      Scheduler scheduler,
      long seed,
      Long subseed,
      GenerationRequest.Size size,
      boolean nineChannels,
      InpaintRegion region,
      ProgressListener progress) {
    List<Generator> generators = Noise.seeded(seed, r.batchSize());
    Noise noise = noiseSource().starting(r, seed, generators, subseed).on(model.device());
    scheduler.setEta(r.sampling().eta());
    scheduler.setTimesteps(r.sampling().steps());
    LatentInit init = LatentInit.TEXT_TO_IMAGE;
    StepHook hook = StepHook.NONE;
    UNetInputs inputs = UNetInputs.NONE;
    if (region != null) {
      Inpainting inpainting =
          new Inpainting(
              model.vae(),
              region.init(),
              region.mask(),
              nineChannels,
              r.mask().fill(),
              Noise.of(generators.get(0), noiseSource().type()).on(model.device()));
      init = inpainting;
      if (nineChannels) inputs = inpainting;
      else hook = inpainting;
    } else if (r.initImage() != null) {
      init = new ImageToImage(model.vae(), r.initImage());
    }
    if (r.control() != null) inputs = controlInputs(r, inputs, scheduler, size);
    Denoiser denoiser =
        new GuidedDenoiser(model.unet(), context, r.guidance(), parallelGuidance, inputs);
    long[] shape = model.latentShape(r.batchSize(), size.width(), size.height());
    Tensor latents = denoise(init, denoiser, hook, scheduler, noise, shape, progress);
    if (r.hires() != null) {
      Denoiser second =
          hiresContext == null
              ? denoiser
              : new GuidedDenoiser(
                  model.unet(), hiresContext, r.guidance(), parallelGuidance, UNetInputs.NONE);
      latents = hiresPass(r, latents, second, seed, subseed, size, progress); // same loop
    }
    return decode(latents);
  }

  /**
   * The request's ControlNets as residuals of every UNet call (after checking that each fits the
   * UNet), counting their start/end over the steps that run.
   */
  private UNetInputs controlInputs(
      GenerationRequest r, UNetInputs base, Scheduler scheduler, GenerationRequest.Size size) {
    int latent = model.vae().config.latentChannels();
    for (ControlNetUnit u : r.control().units()) {
      u.model().checkFits(model.unet().config, u.name(), model.name());
      u.model().moveTo(model.device()); // a no-op once it is there
      u.model().castTo(model.dtype()); // the model's precision, as diffusers' torch_dtype
      if (u.model().config.inChannels() != latent
          || u.model().imageScale() != model.vae().downscaleFactor())
        throw new IllegalArgumentException(
            "ControlNet "
                + u.name()
                + " takes "
                + u.model().config.inChannels()
                + " latent channels at 1/"
                + u.model().imageScale()
                + " of the image's size; model "
                + model.name()
                + " has "
                + latent
                + " at 1/"
                + model.vae().downscaleFactor());
    }
    int first =
        r.initImage() == null ? 0 : LatentInit.firstStep(scheduler, r.initImage().strength());
    return new ControlNetInputs(
        base, model.unet(), r.control(), size, first, scheduler.timesteps().length);
  }

  /**
   * A1111's hires fix ({@code StableDiffusionProcessingTxt2Img.sample_hr_pass}): the first pass's
   * latents upscaled to the target size (interpolated, or decoded, resized as pictures and encoded
   * again), then image-to-image from them through the same {@link #denoise} loop: noise from the
   * same seeds (fresh generators, as A1111's create_random_tensors with the same seeds), added at
   * the first step that the strength leaves, with the same sampler, prompts and guidance.
   */
  private Tensor hiresPass(
      GenerationRequest r,
      Tensor firstPass,
      Denoiser denoiser,
      long seed,
      Long subseed,
      GenerationRequest.Size size,
      ProgressListener progress) {
    HiresFix h = r.hires();
    String upscaler = HiresUpscale.canonical(h.upscaler());
    GenerationRequest.Size up = h.upscaleTo(size);
    GenerationRequest.Size target = h.target(size);
    long[] upShape = model.latentShape(r.batchSize(), up.width(), up.height());
    long[] shape = model.latentShape(r.batchSize(), target.width(), target.height());
    List<Generator> generators = Noise.seeded(seed, r.batchSize());
    Noise noise = noiseSource().starting(r, seed, generators, subseed).on(model.device());
    Tensor upscaled =
        cut(
            HiresUpscale.isLatent(upscaler)
                ? HiresUpscale.latent(upscaler, firstPass, upShape[2], upShape[3])
                : encodeUpscaled(upscaler, decode(firstPass), up, noise),
            shape); // [B, C, h, w]
    LatentInit init =
        (scheduler, n, s) -> {
          int first = LatentInit.firstStep(scheduler, h.denoisingStrength());
          return new LatentInit.Start(scheduler.addNoise(upscaled, n.randn(s), first), first);
        };
    SamplerChoice own = hiresSampler(r);
    SamplerChoice sampler =
        own != null ? own : Samplers.resolve(r.sampling().sampler(), r.sampling().schedule());
    Scheduler scheduler = sampler.create(model.scheduler());
    try {
      scheduler.setEta(r.sampling().eta());
      scheduler.setTimesteps(h.steps(r.sampling().steps()));
      return denoise(init, denoiser, StepHook.NONE, scheduler, noise, shape, progress);
    } finally {
      scheduler.close();
    }
  }

  /**
   * A1111's cut of a two-sided resize: the upscaled latents' excess over {@code shape}, half (the
   * smaller half) from the top and left, the rest from the bottom and right: [B, C, h, w].
   */
  private static Tensor cut(Tensor latents, long[] shape) {
    long excessH = latents.size(2) - shape[2];
    long excessW = latents.size(3) - shape[3];
    if (excessH == 0 && excessW == 0) return latents;
    return latents
        .narrow(2, excessH / 2, shape[2]) // [B, C, h, W]
        .narrow(3, excessW / 2, shape[3]); // [B, C, h, w]
  }

  /**
   * The pixel upscalers' latents: each decoded picture resized to the target as A1111 does, encoded
   * by the VAE (a posterior sample, as image-to-image), scaled: [B, C, h, w].
   */
  private Tensor encodeUpscaled(
      String upscaler, Tensor images, GenerationRequest.Size target, Noise noise) {
    TensorVector rows = new TensorVector();
    for (int i = 0; i < images.size(0); i++) {
      BufferedImage big =
          HiresUpscale.pixels(
              upscaler, ImageTensors.toImage(images.get(i)), target.width(), target.height());
      rows.push_back(ImageTensors.toTensor(big)); // [1, 3, H, W]
    }
    var posterior = model.vae().encode(torch.cat(rows, 0)); // [B, C, h, w]
    Tensor sample = posterior.mean().add(posterior.std().mul(noise.like(posterior.mean())));
    return sample.mul(new Scalar(model.vae().scalingFactor()));
  }

  private GenerationNoise noiseSource() {
    return new GenerationNoise(model.dtype(), float32Noise);
  }

  /** The sampling loop: every mode of generation runs through here. */
  Tensor denoise(
      LatentInit init,
      Denoiser denoiser,
      StepHook hook,
      Scheduler scheduler,
      Noise noise,
      long[] shape,
      ProgressListener progress) {
    LatentInit.Start start = init.start(scheduler, noise, shape);
    Tensor latents = start.latents();
    double[] timesteps = scheduler.timesteps();
    // Progress counts sampler steps, as diffusers and A1111 do: a second-order sampler (order 2)
    // evaluates the model twice per step and reports when a step is complete (and at the last).
    int order = scheduler.order();
    int total = (timesteps.length - start.firstStep() + order - 1) / order;
    for (int i = start.firstStep(); i < timesteps.length; i++) {
      ShutdownGate.checkProcess("generating at step " + (i - start.firstStep()));
      Tensor[] step = step(denoiser, hook, scheduler, i, timesteps[i], latents, noise);
      latents = step[0];
      Tensor x0 = step[1] == null ? latents : step[1];
      int evaluations = i - start.firstStep() + 1;
      if (evaluations % order != 0 && i < timesteps.length - 1) continue;
      int done = (evaluations + order - 1) / order;
      if (!progress.onStep(done, total, () -> preview(x0))) {
        if (progress.onStop() == ProgressListener.OnStop.KEEP_CURRENT) return x0;
        throw new GenerationCancelledException(done);
      }
    }
    return latents;
  }

  /**
   * One prediction, sampler step and hook in their own native scope: [next latents, predicted x0 or
   * null], alive in the caller's scope.
   */
  private static Tensor[] step(
      Denoiser denoiser,
      StepHook hook,
      Scheduler scheduler,
      int i,
      double t,
      Tensor latents,
      Noise noise) {
    return Scopes.keepAll(
        () -> {
          Tensor input = scheduler.scaleModelInput(latents, i); // [B, C, h, w]
          Tensor prediction = denoiser.predict(input, i, t);
          Scheduler.StepResult s = scheduler.step(prediction, i, latents, noise);
          return new Tensor[] {
            hook.afterStep(s.prevSample(), i, scheduler), s.predOriginalSample()
          };
        });
  }

  /**
   * The prompts and negative prompt as the UNet's context, as diffusers' encode_prompt: a single
   * prompt encoded once and repeated per image, or each prompt encoded on its own (as diffusers
   * does for a list); the negative prompt once, repeated; [negative x B, prompts]. The request's
   * {@link PromptOptions} say how each is read ({@link TextConditioning#encodePrompt}); contexts of
   * A1111 prompts of different lengths are padded to the longest with empty-prompt chunks.
   */
  private Tensor encodeWithGuidance(
      List<String> prompts, boolean samePrompt, String negativePrompt, GenerationRequest r) {
    TextConditioning text = model.text();
    PromptOptions options = r.promptOptions();
    int batch = prompts.size();
    List<String> distinct = samePrompt ? prompts.subList(0, 1) : prompts;
    List<Tensor> contexts = new ArrayList<>();
    for (String p : distinct) contexts.add(text.encodePrompt(p, options, true)); // [1, T_i, D]
    boolean guided = r.guidance().enabled();
    if (guided) contexts.add(text.encodePrompt(negativePrompt, options, false));
    contexts = text.padToSameLength(contexts, options); // each [1, T, D]
    TensorVector rows = new TensorVector();
    if (guided) rows.push_back(repeat(contexts.get(contexts.size() - 1), batch));
    if (samePrompt) rows.push_back(repeat(contexts.get(0), batch));
    else for (int i = 0; i < batch; i++) rows.push_back(contexts.get(i));
    // on the UNet's device (a no-op when the text encoder is there too)
    return model.device().place(torch.cat(rows, 0)); // [(2)B, T, D]
  }

  /**
   * Number of tokens {@code prompt} has beyond the encoder's window (0 when it fits, and always 0
   * for A1111's syntax, which encodes long prompts in chunks).
   */
  public int truncatedTokens(String prompt, PromptOptions options) {
    return model.text().truncatedTokens(LoraPrompt.strip(prompt), options);
  }

  private static Tensor repeat(Tensor oneRow, int times) {
    return times == 1 ? oneRow : oneRow.repeat(times, 1, 1); // [times, T, D]
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

  private static List<GeneratedImage> toResults(
      Tensor images,
      List<String> prompts,
      Infotexts infotexts,
      long seed,
      UnaryOperator<BufferedImage> finish) {
    List<GeneratedImage> out = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      out.add(
          new GeneratedImage(
              finish.apply(ImageTensors.toImage(images.get(i))),
              Seeds.ofImage(seed, i),
              infotexts.forImage(i, prompts.get(i))));
    }
    return Collections.unmodifiableList(out);
  }
}
