package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Latent consistency model sampling (Luo et al. 2023), as diffusers' LCMScheduler: each step maps
 * the sample to the consistency function's clean estimate ({@code c_skip x + c_out x0}), then
 * re-noises it to the next timestep with fresh noise (none after the last). The timesteps are taken
 * from the distillation's grid of {@code original_inference_steps}; meant for LCM-distilled UNets
 * (or an LCM LoRA), 2-8 steps.
 */
public final class LCMScheduler extends AbstractScheduler {
  private static final float SIGMA_DATA = 0.5f;

  public LCMScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.LCM);
  }

  @Override
  protected void computeTimesteps(int steps) {
    timesteps = distilledTimesteps(config, steps, "LCM");
  }

  /**
   * {@code steps} timesteps taken from the distillation's grid k-1, 2k-1, ..., original*k-1 (k =
   * num_train_timesteps / original_inference_steps) from the top, at floor(linspace(0, original,
   * steps, endpoint=False)), which numpy computes as {@code i * (original / steps)}: LCM's and
   * TCD's schedule.
   */
  static double[] distilledTimesteps(SchedulerConfig config, int steps, String sampler) {
    int original = config.originalInferenceSteps();
    if (steps > original) {
      throw new IllegalArgumentException(
          sampler
              + " takes at most original_inference_steps = "
              + original
              + " steps (its timesteps are a subset of that grid), got "
              + steps);
    }
    int k = config.numTrainTimesteps() / original;
    double spacing = (double) original / steps;
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      int index = (int) Math.floor(i * spacing);
      out[i] = (double) (original - index) * k - 1;
    }
    return out;
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    int t = (int) timesteps[stepIndex];
    int prevT = stepIndex + 1 < timesteps.length ? (int) timesteps[stepIndex + 1] : t;
    float alphaProd = schedule.alphaCumprod(t);
    float alphaProdPrev = schedule.alphaCumprod(prevT);
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    // The boundary condition's scalings (the timestep scaled, in float32 as diffusers).
    float scaled = t * (float) config.timestepScaling();
    float cSkip = SIGMA_DATA * SIGMA_DATA / (scaled * scaled + SIGMA_DATA * SIGMA_DATA);
    float cOut = scaled / sqrt(scaled * scaled + SIGMA_DATA * SIGMA_DATA);
    Tensor predOriginal =
        switch (config.predictionType()) {
          case "epsilon" -> sample.sub(modelOutput.mul(s(sqrt(betaProd)))).div(s(sqrt(alphaProd)));
          case "sample" -> modelOutput;
          default -> sample.mul(s(sqrt(alphaProd))).sub(modelOutput.mul(s(sqrt(betaProd))));
        };
    if (config.clipSample()) {
      double r = config.clipSampleRange();
      predOriginal =
          predOriginal.clamp(new ScalarOptional(new Scalar(-r)), new ScalarOptional(new Scalar(r)));
    }
    Tensor denoised = predOriginal.mul(s(cOut)).add(sample.mul(s(cSkip)));
    if (stepIndex == numInferenceSteps - 1) return new StepResult(denoised, denoised);
    Tensor fresh = noise.like(modelOutput);
    Tensor prev = denoised.mul(s(sqrt(alphaProdPrev))).add(fresh.mul(s(sqrt(betaProdPrev))));
    return new StepResult(prev, denoised);
  }

  @Override
  public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
    checkIndex(stepIndex);
    return schedule.addNoise(original, noise, (long) timesteps[stepIndex]);
  }

  @Override
  protected void forgetHistory() {}
}
