package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * Ancestral DPM-Solver-2 (k-diffusion's {@code sample_dpm_2_ancestral}), as diffusers'
 * KDPM2AncestralDiscreteScheduler: DPM2 down to {@code sigma_down}, then fresh noise of {@code
 * sigma_up}. Two model evaluations per step ({@link #order()} 2); each draws noise from the
 * generator (the first one's is unused, as in diffusers).
 */
public final class KDPM2AncestralDiscreteScheduler extends SecondOrderSigmaScheduler {
  // Interleaved like sigmas32: midpoint sigmas, and the ancestral split of each step.
  private float[] interpol = new float[0];
  private float[] up = new float[0];
  private float[] down = new float[0];

  private Tensor firstSample;

  public KDPM2AncestralDiscreteScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.KDPM2_ANCESTRAL);
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[][] plain = plainSchedule(steps, true);
    float[] s = withFinalZero(plain[1]);
    int n = s.length;
    float[] sUp = new float[n];
    float[] sDown = new float[n];
    for (int i = 0; i < n; i++) {
      float next = i + 1 < n ? s[i + 1] : 0f;
      sUp[i] = sqrt(next * next * (s[i] * s[i] - next * next) / (s[i] * s[i]));
      sDown[i] = i == n - 1 ? 0f : sqrt(next * next - sUp[i] * sUp[i]);
    }
    float[] mid = geometricMidpoints(s, sDown);
    mid[n - 1] = 0f;
    if (n >= 2) mid[n - 2] = 0f;
    setInterleavedSigmas(interleave(s, true));
    interpol = interleave(mid, true);
    up = interleave(sUp, true);
    down = interleave(sDown, true);
    // timesteps [t0, tm0, t1, tm1, ..., tm_{n-2}, t_{n-1}], tm_k the timestep of mid[k]
    boolean float32 = !config.scheduledSigmas();
    timesteps = new double[2 * steps - 1];
    timesteps[0] = plain[0][0];
    for (int k = 0; k < steps - 1; k++) {
      double tm = ScheduleMath.sigmaToTFloat32(mid[k], logTrainSigmas);
      timesteps[2 * k + 1] = float32 ? (float) tm : tm;
      timesteps[2 * k + 2] = plain[0][k + 1];
    }
  }

  @Override
  public Tensor scaleModelInput(Tensor sample, int stepIndex) {
    checkIndex(stepIndex);
    float sigma = firstOrder(stepIndex) ? sigmas32[stepIndex] : interpol[stepIndex - 1];
    return sample.div(s(sqrt(sigma * sigma + 1f)));
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    Tensor fresh = noise.like(modelOutput); // drawn at both evaluations, as diffusers does
    if (firstOrder(stepIndex)) {
      float sigma = sigmas32[stepIndex];
      float sigmaMid = interpol[stepIndex];
      Tensor predOriginal = predictOriginal(modelOutput, sample, sigma);
      Tensor derivative = sample.sub(predOriginal).div(s(sigma));
      release(firstSample); // left by the last step's first evaluation, which has no correction
      firstSample = hold(sample.clone());
      return new StepResult(sample.add(derivative.mul(s(sigmaMid - sigma))), predOriginal);
    }
    if (firstSample == null)
      throw new IllegalStateException(
          "step " + stepIndex + " of DPM2 a needs step " + (stepIndex - 1));
    float sigma = sigmas32[stepIndex - 1];
    float sigmaMid = interpol[stepIndex - 1];
    Tensor predOriginal = predictOriginal(modelOutput, sample, sigmaMid);
    Tensor derivative = sample.sub(predOriginal).div(s(sigmaMid));
    Tensor prev = firstSample.add(derivative.mul(s(down[stepIndex - 1] - sigma)));
    prev = prev.add(fresh.mul(s(up[stepIndex - 1])));
    release(firstSample);
    firstSample = null;
    return new StepResult(prev, predOriginal);
  }

  @Override
  protected void forgetHistory() {
    firstSample = null;
  }
}
