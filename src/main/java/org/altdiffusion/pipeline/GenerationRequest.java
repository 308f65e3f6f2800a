package org.altdiffusion.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.lora.LoraPrompt;
import org.altdiffusion.lora.LoraSpec;
import org.altdiffusion.models.text.PromptOptions;

/**
 * What to generate: the one request of the CLI, the HTTP server and the Java API. Build it with
 * {@link #builder(String)} (defaults of the reference pipeline) or change one with {@link
 * #toBuilder()}; {@link #validate} checks everything before any heavy work starts.
 *
 * @param prompt the prompt, in any language the text encoder knows
 * @param negativePrompt what to steer away from ("" = the unconditional embedding)
 * @param sampling sampler, schedule, steps and eta
 * @param guidance classifier-free guidance
 * @param size the picture's size (0 = the model's default)
 * @param seed seed of image 0; image i uses seed + i ({@link Seeds}); null = random
 * @param batchSize images generated together in one batch, >= 1 (default 1)
 * @param initImage the starting picture of image-to-image, or null for text-to-image
 * @param mask the region of the init image to repaint (inpainting), or null; needs an init image
 * @param loras LoRAs merged into the model for this generation, each with its weight (default none)
 * @param tiling A1111's tiling: every convolution pads circularly, so the picture tiles seamlessly
 *     (default false)
 * @param variation A1111's variation seed and strength, or null for none (default)
 * @param hires A1111's hires fix (a second, image-to-image pass at a larger size), or null for none
 *     (default)
 * @param control ControlNets with their control images, or null for none (default)
 * @param promptOptions how the prompts are read: syntax (plain by default here, as diffusers; the
 *     CLI and the server default to A1111's), clip skip, textual-inversion embeddings
 */
public record GenerationRequest(
    String prompt,
    String negativePrompt,
    Sampling sampling,
    Guidance guidance,
    Size size,
    Long seed,
    int batchSize,
    InitImage initImage,
    InpaintMask mask,
    List<LoraSpec> loras,
    boolean tiling,
    Variation variation,
    HiresFix hires,
    Control control,
    PromptOptions promptOptions) {

  /** Largest side accepted, in pixels. */
  public static final int MAX_SIDE = 4096;

  public static final int MAX_STEPS = 1000;
  public static final int MAX_BATCH = 64;

  /**
   * How the noise is removed.
   *
   * @param sampler sampler name ({@link org.altdiffusion.schedulers.Samplers}), or null for the
   *     model's own scheduler (default null)
   * @param schedule the noise schedule A1111 calls "Schedule type" ("Karras"), or null for the
   *     sampler's own ("Automatic"; default null)
   * @param steps denoising steps, 1..{@link #MAX_STEPS} (default 50)
   * @param eta DDIM eta, >= 0 (default 0)
   */
  public record Sampling(String sampler, String schedule, int steps, double eta) {}

  /**
   * Classifier-free guidance.
   *
   * @param scale guidance scale, >= 0; <= 1 disables guidance (default 7.5)
   * @param rescale rescale factor of guided noise (Lin et al. 2023), 0..1 (default 0)
   */
  public record Guidance(double scale, double rescale) {
    /** Whether the unconditional pass runs at all (diffusers: scale > 1). */
    public boolean enabled() {
      return scale > 1.0;
    }
  }

  /**
   * The picture's size in pixels, each side a multiple of 8 in 8..{@link #MAX_SIDE}; 0 = the
   * model's default.
   */
  public record Size(int width, int height) {
    /** This size, with a side left at 0 taken from {@code defaultSide}. */
    public Size orDefault(int defaultSide) {
      return new Size(width == 0 ? defaultSide : width, height == 0 ? defaultSide : height);
    }
  }

  public GenerationRequest {
    if (prompt == null) prompt = "";
    if (negativePrompt == null) negativePrompt = "";
    if (sampling == null || guidance == null || size == null) {
      throw new IllegalArgumentException("sampling, guidance and size must be given");
    }
    loras = loras == null ? List.of() : List.copyOf(loras);
    if (promptOptions == null) promptOptions = PromptOptions.PLAIN;
  }

  /** A builder with the reference defaults for {@code prompt}. */
  public static Builder builder(String prompt) {
    return new Builder().prompt(prompt);
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The same request with another seed for image 0 (later batches of one job). */
  public GenerationRequest withSeed(Long seed) {
    return toBuilder().seed(seed).build();
  }

  /**
   * A1111's variation seeds: image i starts from {@code slerp(strength, noise(seed + i),
   * noise(subseed + i))} ({@link org.altdiffusion.engine.Noise#variation}).
   *
   * @param subseed variation seed of image 0; image i uses subseed + i; null = random
   * @param strength 0..1: 0 = the seed's noise, 1 = the variation seed's
   */
  public record Variation(Long subseed, double strength) {}

  /**
   * ControlNets acting on every step of the one loop (their residuals summed, as diffusers'
   * MultiControlNetModel).
   *
   * @param units one or more ControlNets, each with its image, scale and start/end
   * @param guessMode diffusers' guess_mode: the ControlNets see only the prompt's pass (the
   *     negative pass gets no residuals) and their residuals grow from 0.1 to 1 x scale from the
   *     first skip to the middle (default false)
   */
  public record Control(List<ControlNetUnit> units, boolean guessMode) {
    public Control {
      units = units == null ? List.of() : List.copyOf(units);
    }
  }

  /** Every problem of this request, each saying what is accepted; empty when it is valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    int steps = sampling.steps();
    if (steps < 1 || steps > MAX_STEPS)
      p.add("steps must be between 1 and " + MAX_STEPS + ", got " + steps);
    if (!(guidance.scale() >= 0) || Double.isInfinite(guidance.scale()))
      p.add("guidance must be a number >= 0, got " + guidance.scale());
    if (!(guidance.rescale() >= 0 && guidance.rescale() <= 1))
      p.add("guidance rescale must be between 0 and 1, got " + guidance.rescale());
    if (!(sampling.eta() >= 0) || Double.isInfinite(sampling.eta()))
      p.add("eta must be a number >= 0, got " + sampling.eta());
    if (batchSize < 1 || batchSize > MAX_BATCH)
      p.add("batch size must be between 1 and " + MAX_BATCH + ", got " + batchSize);
    checkSide(p, "width", size.width());
    checkSide(p, "height", size.height());
    Seeds.check(seed).ifPresent(p::add);
    if (variation != null) {
      Seeds.check(variation.subseed()).ifPresent(m -> p.add("variation " + m));
      if (!(variation.strength() >= 0 && variation.strength() <= 1))
        p.add("variation strength must be between 0 and 1, got " + variation.strength());
    }
    if (hires != null) hiresProblems(p);
    if (control != null) controlProblems(p);
    if (mask != null && initImage == null)
      p.add("an inpainting mask needs an init image (the picture to repaint)");
    if (mask != null && initImage != null && mask.fill().latent() && initImage.strength() >= 1)
      p.add(
          "masked content \""
              + mask.fill().cliName()
              + "\" needs a denoising strength below 1 (at 1 the latents start from pure noise)");
    if (mask != null && initImage != null) {
      var img = initImage.image();
      var m = mask.mask();
      if (m.width() != img.getWidth() || m.height() != img.getHeight())
        p.add(
            "the inpainting mask is "
                + m.width()
                + "x"
                + m.height()
                + " but the init image is "
                + img.getWidth()
                + "x"
                + img.getHeight()
                + ": resize the mask to the image's size");
    }
    return p;
  }

  private void hiresProblems(List<String> p) {
    if (initImage != null)
      p.add("the hires fix is text-to-image's second pass; it cannot be used with an init image");
    if (!hires.resized() && (!(hires.scale() >= 1) || Double.isInfinite(hires.scale())))
      p.add("hires scale must be a number >= 1, got " + hires.scale());
    if (HiresUpscale.canonical(hires.upscaler()) == null)
      p.add(HiresUpscale.unknown(hires.upscaler()));
    if (hires.secondPassSteps() < 0 || hires.secondPassSteps() > MAX_STEPS)
      p.add(
          "hires steps must be between 0 (the first pass's) and "
              + MAX_STEPS
              + ", got "
              + hires.secondPassSteps());
    if (!(hires.denoisingStrength() > 0 && hires.denoisingStrength() <= 1))
      p.add(
          "hires denoising strength must be in (0, 1] (0 would leave no step of the second pass),"
              + " got "
              + hires.denoisingStrength());
    checkResize(p, "hires resize width", hires.resizeX());
    checkResize(p, "hires resize height", hires.resizeY());
    try {
      if (!loraTags(hires.promptOr(prompt)).equals(loraTags(prompt)))
        p.add(
            "the hires prompt's <lora:...> tags must be the prompt's (the LoRAs of the first pass"
                + " stay merged for the second pass): repeat the prompt's tags in it");
    } catch (IllegalArgumentException e) {
      p.add("hires " + e.getMessage());
    }
    if (size.width() == 0 || size.height() == 0) return;
    if (hires.resized()) resizedSizeProblems(p);
    else if (hires.scale() >= 1) scaledSizeProblems(p);
  }

  /** A prompt's LoRA tags as "name:te-weight:unet-weight", in order. */
  private static List<String> loraTags(String text) {
    return LoraPrompt.parse(text).tags().stream()
        .map(t -> t.name() + ":" + t.textEncoderWeight() + ":" + t.unetWeight())
        .toList();
  }

  private static void checkResize(List<String> p, String name, int v) {
    if (v != 0 && (v < 8 || v > MAX_SIDE || v % 8 != 0))
      p.add(name + " must be 0 or a multiple of 8 from 8 to " + MAX_SIDE + ", got " + v);
  }

  private void scaledSizeProblems(List<String> p) {
    Size t = hires.upscaleTo(size);
    for (int i = 0; i < 2; i++) {
      String name = i == 0 ? "width" : "height";
      int v = i == 0 ? t.width() : t.height();
      if (v > MAX_SIDE)
        p.add(
            "hires " + name + " (" + name + " x scale) must be at most " + MAX_SIDE + ", got " + v);
      else if (v % 8 != 0)
        p.add(
            "hires "
                + name
                + " ("
                + name
                + " x scale, truncated) must be a multiple of 8, got "
                + v
                + "; change the scale or the "
                + name);
    }
  }

  private void controlProblems(List<String> p) {
    if (control.units().isEmpty()) p.add("ControlNet: at least one ControlNet with its image");
    for (ControlNetUnit u : control.units()) p.addAll(u.problems());
    if (control.guessMode()
        && control.units().stream().anyMatch(u -> u.mode() != ControlMode.BALANCED))
      p.add(
          "ControlNet: guess mode (diffusers' log-spaced scales) cannot be combined with the"
              + " control modes other than Balanced; use one or the other");
    if (hires != null) p.add("ControlNet with the hires fix is not supported; leave one of them");
    if (mask != null && mask.cropPadding() != null)
      p.add(
          "ControlNet with an inpainting crop (mask crop padding) is not supported; leave the"
              + " padding out");
  }

  /** A resize's upscaled size (before the cut) within the limits, its result at least 8 a side. */
  private void resizedSizeProblems(List<String> p) {
    Size up = hires.upscaleTo(size);
    Size t = hires.target(size);
    if (Math.max(up.width(), up.height()) > MAX_SIDE)
      p.add(
          "the hires resize to "
              + hires.resizeX()
              + "x"
              + hires.resizeY()
              + " upscales the "
              + size.width()
              + "x"
              + size.height()
              + " first pass to "
              + up.width()
              + "x"
              + up.height()
              + " (its aspect ratio kept); at most "
              + MAX_SIDE
              + " a side");
    else if (t.width() < 8 || t.height() < 8)
      p.add(
          "the hires resize to "
              + hires.resizeX()
              + "x"
              + hires.resizeY()
              + " makes a "
              + t.width()
              + "x"
              + t.height()
              + " picture from the "
              + size.width()
              + "x"
              + size.height()
              + " first pass; each side must be at least 8");
  }

  private static void checkSide(List<String> p, String name, int v) {
    if (v == 0) return;
    if (v < 8 || v > MAX_SIDE)
      p.add(name + " must be between 8 and " + MAX_SIDE + " pixels, got " + v);
    else if (v % 8 != 0)
      p.add(
          name
              + " must be a multiple of 8 (the VAE downsamples by 8), got "
              + v
              + "; nearest: "
              + Math.max(8, Math.round(v / 8.0) * 8));
  }

  /** Throws one {@link IllegalArgumentException} listing every problem. */
  public GenerationRequest validate() {
    List<String> p = problems();
    if (!p.isEmpty()) throw new IllegalArgumentException(String.join("; ", p));
    return this;
  }

  /** Builds a {@link GenerationRequest}; starts from the reference pipeline's defaults. */
  public static final class Builder {
    private String prompt = "";
    private String negativePrompt = "";
    private String sampler;
    private String schedule;
    private int steps = 50;
    private double eta;
    private double guidanceScale = 7.5;
    private double guidanceRescale;
    private int width;
    private int height;
    private Long seed;
    private Variation variation;
    private int batchSize = 1;
    private InitImage initImage;
    private InpaintMask mask;
    private List<LoraSpec> loras = List.of();
    private boolean tiling;
    private HiresFix hires;
    private Control control;
    private PromptOptions promptOptions = PromptOptions.PLAIN;

    private Builder() {}

    private Builder(GenerationRequest r) {
      prompt = r.prompt;
      negativePrompt = r.negativePrompt;
      sampler = r.sampling.sampler();
      schedule = r.sampling.schedule();
      steps = r.sampling.steps();
      eta = r.sampling.eta();
      guidanceScale = r.guidance.scale();
      guidanceRescale = r.guidance.rescale();
      width = r.size.width();
      height = r.size.height();
      seed = r.seed;
      variation = r.variation;
      batchSize = r.batchSize;
      initImage = r.initImage;
      mask = r.mask;
      loras = r.loras;
      tiling = r.tiling;
      hires = r.hires;
      control = r.control;
      promptOptions = r.promptOptions;
    }

    public Builder prompt(String v) {
      prompt = v;
      return this;
    }

    public Builder negativePrompt(String v) {
      negativePrompt = v;
      return this;
    }

    /** A sampler name ("Euler a", "DPM++ 2M Karras", "k_euler"), or null for the model's own. */
    public Builder sampler(String v) {
      sampler = v;
      return this;
    }

    /** A1111's schedule type ("Automatic", "Karras"), or null for the sampler's own. */
    public Builder schedule(String v) {
      schedule = v;
      return this;
    }

    public Builder steps(int v) {
      steps = v;
      return this;
    }

    public Builder eta(double v) {
      eta = v;
      return this;
    }

    public Builder guidance(double scale) {
      guidanceScale = scale;
      return this;
    }

    public Builder guidanceRescale(double v) {
      guidanceRescale = v;
      return this;
    }

    /** Width and height in pixels; 0 = the model's default. */
    public Builder size(int w, int h) {
      width = w;
      height = h;
      return this;
    }

    /** Variation seed and strength; null = none. */
    public Builder variation(Variation v) {
      variation = v;
      return this;
    }

    /** Seed of image 0; null = random. */
    public Builder seed(Long v) {
      seed = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /** Image-to-image from this picture; null = text-to-image. */
    public Builder initImage(InitImage v) {
      initImage = v;
      return this;
    }

    /** Inpainting: repaint this region of the init image; null = no mask. */
    public Builder mask(InpaintMask v) {
      mask = v;
      return this;
    }

    /** LoRAs merged into the model for this generation, in order; empty = none. */
    public Builder loras(List<LoraSpec> v) {
      loras = v == null ? List.of() : List.copyOf(v);
      return this;
    }

    /** Seamless tiling (circular padding in every convolution of the UNet and the VAE). */
    public Builder tiling(boolean v) {
      tiling = v;
      return this;
    }

    /** A1111's hires fix; null = none. */
    public Builder hires(HiresFix v) {
      hires = v;
      return this;
    }

    /** ControlNets and their images; null = none. */
    public Builder control(Control v) {
      control = v;
      return this;
    }

    /** Prompt syntax, clip skip and embeddings; null = plain, as diffusers. */
    public Builder promptOptions(PromptOptions v) {
      promptOptions = v;
      return this;
    }

    public GenerationRequest build() {
      return new GenerationRequest(
          prompt,
          negativePrompt,
          new Sampling(sampler, schedule, steps, eta),
          new Guidance(guidanceScale, guidanceRescale),
          new Size(width, height),
          seed,
          batchSize,
          initImage,
          mask,
          loras,
          tiling,
          variation,
          hires,
          control,
          promptOptions);
    }
  }
}
