package org.altdiffusion.eval;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GenerationRequest;

/**
 * How every benchmark picture is generated: one picture per prompt, each with the same seed.
 *
 * @param sampler sampler name ({@link org.altdiffusion.schedulers.Samplers}), paper: DDIM
 * @param steps sampler steps, paper: 50
 * @param eta DDIM's eta, paper: 0
 * @param guidance classifier-free guidance scale, paper: 9
 * @param width picture width, paper: 512
 * @param height picture height, paper: 512
 * @param seed the seed of every picture, paper: 54551
 * @param negativePrompt paper: none
 */
public record BenchmarkSettings(
    String sampler,
    int steps,
    double eta,
    double guidance,
    int width,
    int height,
    long seed,
    String negativePrompt) {
  /** The AltDiffusion paper's protocol for MG-18 / MC-18. */
  public static final BenchmarkSettings PAPER =
      new BenchmarkSettings("DDIM", 50, 0.0, 9.0, 512, 512, 54551, "");

  public BenchmarkSettings {
    if (steps < 1 || steps > 1000)
      throw new IllegalArgumentException("steps must be 1..1000, got " + steps);
    if (width < 8 || height < 8)
      throw new IllegalArgumentException("size must be at least 8x8, got " + width + "x" + height);
  }

  /** The request for one prompt. */
  public GenerationRequest request(String prompt) {
    return GenerationRequest.builder(prompt)
        .negativePrompt(negativePrompt)
        .sampler(sampler)
        .steps(steps)
        .eta(eta)
        .guidance(guidance)
        .size(width, height)
        .seed(seed)
        .build();
  }

  /**
   * The infotext fields a picture made with these settings by {@code pipeline} carries (A1111's
   * names and number forms), for checking a picture found on disk before reusing it.
   */
  public Map<String, String> expectedInfotext(DiffusionPipeline pipeline) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("Steps", Integer.toString(steps));
    m.put("Sampler", pipeline.samplerDisplayName(sampler, null));
    m.put("CFG scale", number(guidance));
    m.put("Seed", Long.toString(seed));
    m.put("Size", width + "x" + height);
    m.put("Model", pipeline.modelName());
    if (eta > 0) m.put("Eta", number(eta));
    return m;
  }

  /** As A1111 writes numbers: 9 for 9.0, 7.5 for 7.5. */
  static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%s", v);
  }

  /** The settings as report lines. */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "%s, %d steps, eta %s, guidance %s, %dx%d, seed %d%s",
        sampler,
        steps,
        number(eta),
        number(guidance),
        width,
        height,
        seed,
        negativePrompt.isEmpty() ? "" : ", negative prompt \"" + negativePrompt + "\"");
  }
}
