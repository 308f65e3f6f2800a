package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * Trajectory consistency distillation sampling (Zheng et al. 2024), as diffusers 0.30.3's
 * TCDScheduler: each step predicts the clean sample and its noise, moves them to the intermediate
 * timestep {@code s = floor((1 - gamma) * t_prev)}, and with gamma > 0 re-noises from s to the next
 * timestep with fresh noise (none after the last step). gamma is diffusers' {@code eta} of {@code
 * step}: 0 is deterministic (the pipelines' default, which {@link #setEta} receives), 1 is fully
 * stochastic, like LCM; this class defaults to 0.3, {@code step}'s own default. The timesteps are
 * LCM's: a subset of the distillation's grid of {@code original_inference_steps}. Meant for
 * TCD-distilled UNets (or a TCD LoRA), 2-8 steps.
 *
 * <p>diffusers takes clip_sample, thresholding and set_alpha_to_one for TCD but its step uses none
 * of them (the last step's previous timestep is 0, never the final alpha); neither does this.
 */
public final class TCDScheduler extends AbstractScheduler {
  private double gamma = 0.3;

  public TCDScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.TCD);
  }

  /** gamma, the stochasticity of each step, in [0, 1]. */
  @Override
  public void setEta(double eta) {
    if (!(eta >= 0 && eta <= 1)) {
      throw new IllegalArgumentException(
          "TCD's eta (gamma, the stochasticity per step) must lie in [0, 1], got " + eta);
    }
    this.gamma = eta;
  }

  public double eta() {
    return gamma;
  }

  @Override
  protected void computeTimesteps(int steps) {
    timesteps = LCMScheduler.distilledTimesteps(config, steps, "TCD");
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    int t = (int) timesteps[stepIndex];
    int prevT = stepIndex + 1 < timesteps.length ? (int) timesteps[stepIndex + 1] : 0;
    // torch: (1 - eta) * long tensor is a float32 product, floored
    int intermediate = (int) Math.floor((float) (1 - gamma) * (float) prevT);
    float alphaProd = schedule.alphaCumprod(t);
    float betaProd = 1f - alphaProd;
    float alphaProdPrev = schedule.alphaCumprod(prevT);
    float alphaProdS = schedule.alphaCumprod(intermediate);
    float betaProdS = 1f - alphaProdS;
    Tensor[] x0AndEps = originalAndNoise(sample, modelOutput, alphaProd, betaProd);
    Tensor predOriginal = x0AndEps[0];
    Tensor predEpsilon = x0AndEps[1];
    Tensor predNoised =
        predOriginal.mul(s(sqrt(alphaProdS))).add(predEpsilon.mul(s(sqrt(betaProdS))));
    if (gamma == 0 || stepIndex == numInferenceSteps - 1)
      return new StepResult(predNoised, predOriginal);
    Tensor fresh = noise.like(modelOutput);
    float ratio = alphaProdPrev / alphaProdS;
    Tensor prev = predNoised.mul(s(sqrt(ratio))).add(fresh.mul(s(sqrt(1f - ratio))));
    return new StepResult(prev, predOriginal);
  }

  @Override
  public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
    checkIndex(stepIndex);
    return schedule.addNoise(original, noise, (long) timesteps[stepIndex]);
  }

  @Override
  protected void forgetHistory() {}
}
