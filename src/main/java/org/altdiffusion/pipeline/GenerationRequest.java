package org.altdiffusion.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * What to generate. Defaults follow the reference pipeline (50 steps, guidance 7.5, eta 0, size =
 * the UNet's sample size x 8, the model's own scheduler). {@link #validate} checks everything
 * before any heavy work starts.
 *
 * @param prompt the prompt, in any language the text encoder knows
 * @param negativePrompt what to steer away from ("" = the unconditional embedding)
 * @param steps denoising steps, >= 1 (default 50)
 * @param guidance classifier-free guidance scale, >= 0; <= 1 disables guidance (default 7.5)
 * @param guidanceRescale rescale factor of guided noise (Lin et al. 2023), 0..1 (default 0)
 * @param sampler sampler name, or null for the model's scheduler (default null)
 * @param seed seed of image 0; image i uses seed + i; null = random (default null)
 * @param width image width in pixels, a multiple of 8; 0 = the model's default
 * @param height image height in pixels, a multiple of 8; 0 = the model's default
 * @param batchSize images generated together in one batch, >= 1 (default 1)
 * @param eta DDIM eta, >= 0 (default 0)
 */
public record GenerationRequest(
    String prompt,
    String negativePrompt,
    int steps,
    double guidance,
    double guidanceRescale,
    String sampler,
    Long seed,
    int width,
    int height,
    int batchSize,
    double eta) {

  /** Largest side accepted, in pixels. */
  public static final int MAX_SIDE = 4096;

  public static final int MAX_STEPS = 1000;
  public static final int MAX_BATCH = 64;

  public GenerationRequest {
    if (prompt == null) prompt = "";
    if (negativePrompt == null) negativePrompt = "";
  }

  /** A request with the reference defaults for {@code prompt}. */
  public static GenerationRequest of(String prompt) {
    return new GenerationRequest(prompt, "", 50, 7.5, 0.0, null, null, 0, 0, 1, 0.0);
  }

  public GenerationRequest withPrompt(String v) {
    return new GenerationRequest(
        v,
        negativePrompt,
        steps,
        guidance,
        guidanceRescale,
        sampler,
        seed,
        width,
        height,
        batchSize,
        eta);
  }

  public GenerationRequest withNegativePrompt(String v) {
    return new GenerationRequest(
        prompt, v, steps, guidance, guidanceRescale, sampler, seed, width, height, batchSize, eta);
  }

  public GenerationRequest withSteps(int v) {
    return new GenerationRequest(
        prompt,
        negativePrompt,
        v,
        guidance,
        guidanceRescale,
        sampler,
        seed,
        width,
        height,
        batchSize,
        eta);
  }

  public GenerationRequest withGuidance(double v) {
    return new GenerationRequest(
        prompt,
        negativePrompt,
        steps,
        v,
        guidanceRescale,
        sampler,
        seed,
        width,
        height,
        batchSize,
        eta);
  }

  public GenerationRequest withGuidanceRescale(double v) {
    return new GenerationRequest(
        prompt, negativePrompt, steps, guidance, v, sampler, seed, width, height, batchSize, eta);
  }

  public GenerationRequest withSampler(String v) {
    return new GenerationRequest(
        prompt,
        negativePrompt,
        steps,
        guidance,
        guidanceRescale,
        v,
        seed,
        width,
        height,
        batchSize,
        eta);
  }

  public GenerationRequest withSeed(Long v) {
    return new GenerationRequest(
        prompt,
        negativePrompt,
        steps,
        guidance,
        guidanceRescale,
        sampler,
        v,
        width,
        height,
        batchSize,
        eta);
  }

  public GenerationRequest withSize(int w, int h) {
    return new GenerationRequest(
        prompt,
        negativePrompt,
        steps,
        guidance,
        guidanceRescale,
        sampler,
        seed,
        w,
        h,
        batchSize,
        eta);
  }

  public GenerationRequest withBatchSize(int v) {
    return new GenerationRequest(
        prompt,
        negativePrompt,
        steps,
        guidance,
        guidanceRescale,
        sampler,
        seed,
        width,
        height,
        v,
        eta);
  }

  public GenerationRequest withEta(double v) {
    return new GenerationRequest(
        prompt,
        negativePrompt,
        steps,
        guidance,
        guidanceRescale,
        sampler,
        seed,
        width,
        height,
        batchSize,
        v);
  }

  /** Every problem of this request, each saying what is accepted; empty when it is valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (steps < 1 || steps > MAX_STEPS)
      p.add("steps must be between 1 and " + MAX_STEPS + ", got " + steps);
    if (!(guidance >= 0) || Double.isInfinite(guidance))
      p.add("guidance must be a number >= 0, got " + guidance);
    if (!(guidanceRescale >= 0 && guidanceRescale <= 1))
      p.add("guidance rescale must be between 0 and 1, got " + guidanceRescale);
    if (!(eta >= 0) || Double.isInfinite(eta)) p.add("eta must be a number >= 0, got " + eta);
    if (batchSize < 1 || batchSize > MAX_BATCH)
      p.add("batch size must be between 1 and " + MAX_BATCH + ", got " + batchSize);
    checkSide(p, "width", width);
    checkSide(p, "height", height);
    if (seed != null && (seed < 0 || seed > 0xFFFF_FFFF_FFFFL))
      p.add("seed must be between 0 and 2^48-1 (or -1 for random), got " + seed);
    return p;
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
}
