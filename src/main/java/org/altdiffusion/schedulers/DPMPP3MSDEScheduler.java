package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * A1111's "DPM++ 3M SDE": k-diffusion's {@code sample_dpmpp_3m_sde} with eta 1 and s_noise 1, on
 * A1111's sigmas for it ({@code discard_next_to_last_sigma}: the schedule of {@code steps + 1}
 * levels without its next-to-last). Third-order multistep in log sigma over the last three denoised
 * estimates, one model evaluation per step, and the last step to sigma 0 returns the denoised
 * estimate.
 *
 * <p>Noise: A1111 draws it from a Brownian tree (torchsde) seeded per image; here each step draws
 * {@code randn_like(x)} from the generator, as k-diffusion's default noise sampler does for its
 * other SDE samplers. The trajectory therefore matches k-diffusion's function run with that noise
 * sampler, not A1111's pictures for the same seed.
 */
public final class DPMPP3MSDEScheduler extends KDiffusionSigmaScheduler {
  private Tensor denoised1;
  private Tensor denoised2;
  private Float h1;
  private Float h2;

  public DPMPP3MSDEScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.DPMPP_3M_SDE);
  }

  @Override
  protected void computeTimesteps(int steps) {
    float[] all = scheduleSigmas(steps + 1); // steps + 2 levels
    float[] kept = new float[steps + 1];
    System.arraycopy(all, 0, kept, 0, steps);
    kept[steps] = all[steps + 1]; // the next-to-last dropped
    timesteps = new double[steps];
    for (int i = 0; i < steps; i++) timesteps[i] = timestepOf(kept[i]);
    setLevels(kept);
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    float sigma = sigmas32[stepIndex];
    float sigmaNext = sigmas32[stepIndex + 1];
    Tensor denoised = denoised(modelOutput, sample, sigma);
    Tensor x;
    Float h = h1; // k-diffusion keeps the last h through a final denoising step
    if (sigmaNext == 0f) {
      x = denoised;
    } else {
      float t = -log(sigma);
      h = -log(sigmaNext) - t;
      x = update(sample, denoised, h);
      float noiseScale = sqrt(-expm1(-2f * h * 1f));
      x = x.add(noise.like(modelOutput).mul(s(sigmaNext)).mul(s(noiseScale)).mul(s(1.0)));
    }
    release(denoised2);
    denoised2 = denoised1;
    denoised1 = hold(denoised);
    h2 = h1;
    h1 = h;
    return new StepResult(x, denoised);
  }

  /** The deterministic part: exponential integrator plus the second/third-order corrections. */
  private Tensor update(Tensor sample, Tensor denoised, float h) {
    float hEta = h * 2f; // eta + 1
    Tensor x = sample.mul(s(exp(-hEta))).add(denoised.mul(s(-expm1(-hEta))));
    float phi2 = expm1(-hEta) / hEta + 1f;
    if (h2 != null) {
      float r0 = h1 / h;
      float r1 = h2 / h;
      Tensor d10 = denoised.sub(denoised1).div(s(r0));
      Tensor d11 = denoised1.sub(denoised2).div(s(r1));
      Tensor diff = d10.sub(d11);
      Tensor d1 = d10.add(diff.mul(s(r0)).div(s(r0 + r1)));
      Tensor d2 = diff.div(s(r0 + r1));
      float phi3 = phi2 / hEta - 0.5f;
      return x.add(d1.mul(s(phi2))).sub(d2.mul(s(phi3)));
    }
    if (h1 != null) {
      float r = h1 / h;
      Tensor d = denoised.sub(denoised1).div(s(r));
      return x.add(d.mul(s(phi2)));
    }
    return x;
  }

  @Override
  protected void forgetHistory() {
    denoised1 = null;
    denoised2 = null;
    h1 = null;
    h2 = null;
  }
}
