package org.altdiffusion.pipeline;

/**
 * A1111's hires fix: after the first pass, its latents are upscaled to {@link #upscaleTo}, cut to
 * {@link #target} and denoised again from the first step that {@code denoisingStrength} leaves,
 * with the same seeds and guidance, and the second pass's own prompts and sampler when given.
 *
 * @param scale the second pass's size as a multiple of the first's (A1111's hr_scale, default 2);
 *     each side of {@code side x scale} (truncated) must be a multiple of 8; unused with a resize
 * @param upscaler a name of {@link HiresUpscale#NAMES} (default "Latent")
 * @param secondPassSteps the second pass's steps before the strength cut; 0 = the first pass's
 * @param denoisingStrength in (0, 1]; it must leave at least one step (A1111's default 0.7)
 * @param resizeX A1111's hr_resize_x: the second pass's width, a multiple of 8; 0 = from the height
 *     and the first pass's aspect ratio, or (both 0, default) from {@code scale}
 * @param resizeY A1111's hr_resize_y, the same for the height
 * @param prompt the second pass's prompt (A1111's hr_prompt); null or "" = the first pass's
 * @param negativePrompt the second pass's negative prompt; null or "" = the first pass's
 * @param sampler the second pass's sampler (hr_sampler_name); null = the first pass's
 * @param schedule the second pass's schedule type (hr_scheduler); null = the first pass's
 */
public record HiresFix(
    double scale,
    String upscaler,
    int secondPassSteps,
    double denoisingStrength,
    int resizeX,
    int resizeY,
    String prompt,
    String negativePrompt,
    String sampler,
    String schedule) {

  /** Scaled by {@code scale}, with the first pass's prompts and sampler. */
  public HiresFix(double scale, String upscaler, int secondPassSteps, double denoisingStrength) {
    this(scale, upscaler, secondPassSteps, denoisingStrength, 0, 0, null, null, null, null);
  }

  /** A1111's defaults: scale 2, "Latent", the first pass's steps, strength 0.7. */
  public static HiresFix defaults() {
    return new HiresFix(2.0, HiresUpscale.DEFAULT, 0, 0.7);
  }

  /** This hires fix resized to {@code x} by {@code y} (0 = that side follows the other). */
  public HiresFix withResize(int x, int y) {
    return new HiresFix(
        scale,
        upscaler,
        secondPassSteps,
        denoisingStrength,
        x,
        y,
        prompt,
        negativePrompt,
        sampler,
        schedule);
  }

  /** This hires fix with the second pass's own prompts ("" or null = the first pass's). */
  public HiresFix withPrompts(String positive, String negative) {
    return new HiresFix(
        scale,
        upscaler,
        secondPassSteps,
        denoisingStrength,
        resizeX,
        resizeY,
        positive,
        negative,
        sampler,
        schedule);
  }

  /** This hires fix with the second pass's own sampler and schedule (null = the first's). */
  public HiresFix withSampler(String name, String scheduleType) {
    return new HiresFix(
        scale,
        upscaler,
        secondPassSteps,
        denoisingStrength,
        resizeX,
        resizeY,
        prompt,
        negativePrompt,
        name,
        scheduleType);
  }

  /** Whether hr_resize_x/y, not the scale, set the size. */
  public boolean resized() {
    return resizeX != 0 || resizeY != 0;
  }

  /**
   * The size the first pass is upscaled to, as A1111's calculate_target_resolution: int(side x
   * scale); or the resize, a missing side following the first pass's aspect ratio; with both sides,
   * the size that covers the resize at the first pass's aspect ratio (then cut, {@link #target}).
   */
  public GenerationRequest.Size upscaleTo(GenerationRequest.Size first) {
    int w = first.width();
    int h = first.height();
    if (!resized()) return new GenerationRequest.Size((int) (w * scale), (int) (h * scale));
    if (resizeY == 0) return new GenerationRequest.Size(resizeX, resizeX * h / w);
    if (resizeX == 0) return new GenerationRequest.Size(resizeY * w / h, resizeY);
    boolean wider = (double) w / h < (double) resizeX / resizeY;
    return wider
        ? new GenerationRequest.Size(resizeX, resizeX * h / w)
        : new GenerationRequest.Size(resizeY * w / h, resizeY);
  }

  /**
   * The second pass's (and the picture's) size: the upscaled latents' (each side of {@link
   * #upscaleTo} rounded down to a multiple of 8) less A1111's cut of the excess over a two-sided
   * resize.
   */
  public GenerationRequest.Size target(GenerationRequest.Size first) {
    GenerationRequest.Size up = upscaleTo(first);
    int w = up.width() / 8 * 8;
    int h = up.height() / 8 * 8;
    if (resizeX != 0 && resizeY != 0) {
      w -= (up.width() - resizeX) / 8 * 8;
      h -= (up.height() - resizeY) / 8 * 8;
    }
    return new GenerationRequest.Size(w, h);
  }

  /** The second pass's steps before the strength cut. */
  public int steps(int firstPassSteps) {
    return secondPassSteps == 0 ? firstPassSteps : secondPassSteps;
  }

  /** The second pass's prompt: its own, or {@code first} when it has none. */
  public String promptOr(String first) {
    return prompt == null || prompt.isEmpty() ? first : prompt;
  }

  /** The second pass's negative prompt: its own, or {@code first} when it has none. */
  public String negativePromptOr(String first) {
    return negativePrompt == null || negativePrompt.isEmpty() ? first : negativePrompt;
  }
}
