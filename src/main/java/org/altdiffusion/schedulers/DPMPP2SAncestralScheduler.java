package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * A1111's "DPM++ 2S a": k-diffusion's {@code sample_dpmpp_2s_ancestral} with eta 1 and s_noise 1.
 * Each step goes down to {@code sigma_down} with a DPM-Solver++(2S) step (a model evaluation at the
 * log-midpoint, then the update from the step's start), then adds fresh noise of {@code sigma_up}
 * from the generator; the last step (to sigma 0) is one Euler evaluation. {@link #order()} 2 with
 * diffusers' index layout: a step's first evaluation, then its midpoint, so {@code timesteps()}
 * holds {@code 2 * steps - 1} entries when the schedule ends at 0 (KL Optimal's, ending at
 * sigma_min, has {@code 2 * steps}). {@link #sigmas()} holds the noise level of each index.
 */
public final class DPMPP2SAncestralScheduler extends KDiffusionSigmaScheduler {
  private float[] stepSigmas = new float[0]; // n + 1, the schedule
  private float[] down = new float[0];
  private float[] up = new float[0];
  private int[] stepOfIndex = new int[0];
  private boolean[] firstOfStep = new boolean[0];

  private Tensor firstSample;

  public DPMPP2SAncestralScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.DPMPP_2S_ANCESTRAL);
  }

  @Override
  public int order() {
    return 2;
  }

  @Override
  protected void computeTimesteps(int steps) {
    stepSigmas = scheduleSigmas(steps);
    down = new float[steps];
    up = new float[steps];
    List<Float> levels = new ArrayList<>();
    List<Integer> owner = new ArrayList<>();
    List<Boolean> first = new ArrayList<>();
    for (int k = 0; k < steps; k++) {
      float from = stepSigmas[k];
      float to = stepSigmas[k + 1];
      // k-diffusion's get_ancestral_step with eta 1, in float32
      up[k] = Math.min(to, sqrt(to * to * (from * from - to * to) / (from * from)));
      down[k] = sqrt(to * to - up[k] * up[k]);
      levels.add(from);
      owner.add(k);
      first.add(true);
      if (down[k] != 0f) {
        levels.add(midpoint(from, down[k]));
        owner.add(k);
        first.add(false);
      }
    }
    int count = levels.size();
    float[] perIndex = new float[count + 1];
    stepOfIndex = new int[count];
    firstOfStep = new boolean[count];
    timesteps = new double[count];
    for (int i = 0; i < count; i++) {
      perIndex[i] = levels.get(i);
      stepOfIndex[i] = owner.get(i);
      firstOfStep[i] = first.get(i);
      timesteps[i] = timestepOf(perIndex[i]);
    }
    perIndex[count] = stepSigmas[steps];
    setLevels(perIndex);
  }

  /** Whether step index {@code i} is a step's midpoint evaluation (its second). */
  boolean isMidpoint(int i) {
    return !firstOfStep[i];
  }

  /** sigma_fn(t + h / 2) with t = -log(sigma), h = -log(sigmaDown) - t (float32). */
  private static float midpoint(float sigma, float sigmaDown) {
    float t = -log(sigma);
    float h = -log(sigmaDown) - t;
    return exp(-(t + 0.5f * h));
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    int k = stepOfIndex[stepIndex];
    float sigma = stepSigmas[k];
    if (firstOfStep[stepIndex]) {
      Tensor denoised = denoised(modelOutput, sample, sigma);
      release(firstSample); // a first evaluation left without its midpoint (not stepped further)
      firstSample = null;
      if (down[k] == 0f) {
        // Euler to sigma_down = 0: x + (x - denoised) / sigma * (0 - sigma)
        Tensor d = sample.sub(denoised).div(s(sigma));
        Tensor x = sample.add(d.mul(s(0f - sigma)));
        return new StepResult(addNoise(x, k, noise, modelOutput), denoised);
      }
      float t = -log(sigma);
      float h = -log(down[k]) - t;
      float mid = t + 0.5f * h;
      float ratio = exp(-mid) / exp(-t);
      Tensor x2 = sample.mul(s(ratio)).sub(denoised.mul(s(expm1(-h * 0.5f))));
      firstSample = hold(sample.clone());
      return new StepResult(x2, denoised);
    }
    if (firstSample == null)
      throw new IllegalStateException(
          "step " + stepIndex + " of DPM++ 2S a needs step " + (stepIndex - 1));
    Tensor denoised2 = denoised(modelOutput, sample, sigmas32[stepIndex]);
    float t = -log(sigma);
    float tNext = -log(down[k]);
    float h = tNext - t;
    Tensor x = firstSample.mul(s(exp(-tNext) / exp(-t))).sub(denoised2.mul(s(expm1(-h))));
    release(firstSample);
    firstSample = null;
    return new StepResult(addNoise(x, k, noise, modelOutput), denoised2);
  }

  /**
   * The ancestral noise of step k: {@code x + randn * s_noise * sigma_up} unless sigma_next is 0.
   */
  private Tensor addNoise(Tensor x, int k, Noise noise, Tensor like) {
    if (!(stepSigmas[k + 1] > 0f)) return x;
    return x.add(noise.like(like).mul(s(1.0)).mul(s(up[k])));
  }

  @Override
  protected void forgetHistory() {
    firstSample = null;
  }
}
