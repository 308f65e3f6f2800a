package org.altdiffusion.schedulers;

import org.bytedeco.pytorch.Tensor;

/**
 * The samplers taken from k-diffusion itself (no diffusers class has them), as AUTOMATIC1111 1.10
 * runs them: the model wrapped as k-diffusion's {@code CompVisDenoiser} / {@code CompVisVDenoiser}
 * (eps or v), noise levels from one of A1111's schedule types over the model's train sigmas, and
 * the UNet called at k-diffusion's fractional {@code sigma_to_t(sigma)}. The scalar arithmetic is
 * float32, as k-diffusion's on 0-dim tensors. {@code timestep_spacing} does not apply (A1111 spaces
 * by sigma); {@code sigma_schedule} (or {@code use_karras_sigmas}) chooses the schedule, and
 * neither means A1111's Uniform (k-diffusion's {@code get_sigmas(n)}).
 */
abstract class KDiffusionSigmaScheduler extends SigmaScheduler {
  /** log of the train sigmas, as torch computes it. */
  protected final float[] logSigmas;

  KDiffusionSigmaScheduler(SchedulerConfig config, String expectedClass) {
    super(config, expectedClass);
    logSigmas = KDiffusionSchedules.logSigmas(trainSigmas);
  }

  /** The name of the configured schedule ({@link KDiffusionSchedules#sigmas}). */
  protected String scheduleName() {
    if (config.sigmaSchedule() != null) return config.sigmaSchedule();
    return config.useKarrasSigmas() ? "karras" : "uniform";
  }

  /** The {@code n + 1} sigmas of the configured schedule. */
  protected float[] scheduleSigmas(int n) {
    return KDiffusionSchedules.sigmas(scheduleName(), n, trainSigmas);
  }

  /** The UNet's timestep for noise level {@code sigma} (k-diffusion's float32 sigma_to_t). */
  protected double timestepOf(float sigma) {
    return KDiffusionSchedules.sigmaToT(sigma, logSigmas);
  }

  /** Stores per-index noise levels (the last one is where sampling ends). */
  protected void setLevels(float[] levels) {
    sigmas32 = levels.clone();
    sigmas = new double[levels.length];
    for (int i = 0; i < levels.length; i++) sigmas[i] = levels[i];
  }

  /** k-diffusion starts from {@code noise * sigmas[0]}. */
  @Override
  public double initNoiseSigma() {
    if (sigmas32.length == 0)
      throw new IllegalStateException("call setTimesteps before initNoiseSigma");
    return sigmas32[0];
  }

  /** {@code input * c_in} with {@code c_in = 1 / (sigma² + 1) ** 0.5}, as k-diffusion. */
  @Override
  public Tensor scaleModelInput(Tensor sample, int stepIndex) {
    checkIndex(stepIndex);
    float sigma = sigmas32[stepIndex];
    return sample.mul(s(1f / sqrt(sigma * sigma + 1f)));
  }

  /**
   * The denoised sample of k-diffusion's model wrappers at {@code sigma}: {@code input + eps *
   * (-sigma)} for epsilon, {@code v * c_out + input * c_skip} for v-prediction.
   */
  protected Tensor denoised(Tensor modelOutput, Tensor sample, float sigma) {
    if (config.predictionType().equals("v_prediction")) {
      float cSkip = 1f / (sigma * sigma + 1f);
      float cOut = -sigma / sqrt(sigma * sigma + 1f);
      return modelOutput.mul(s(cOut)).add(sample.mul(s(cSkip)));
    }
    return sample.add(modelOutput.mul(s(-sigma)));
  }

  protected static float expm1(float x) {
    return (float) Math.expm1(x);
  }
}
