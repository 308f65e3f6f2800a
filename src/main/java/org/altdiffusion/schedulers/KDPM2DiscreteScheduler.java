package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * DPM-Solver-2 in k-diffusion's form ({@code sample_dpm_2}), as diffusers' KDPM2DiscreteScheduler:
 * an Euler step to the geometric midpoint of the two sigmas, then the full step with the slope
 * found there. Two model evaluations per step ({@link #order()} 2); the second at a fractional
 * timestep.
 */
public final class KDPM2DiscreteScheduler extends SecondOrderSigmaScheduler {
  /** Midpoint sigmas, interleaved like {@link #sigmas32}. */
  private float[] interpol = new float[0];

  private Tensor firstSample;

  public KDPM2DiscreteScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.KDPM2);
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[][] plain = plainSchedule(steps, true);
    float[] s = withFinalZero(plain[1]);
    float[] previous = new float[s.length]; // s.roll(1)
    for (int i = 0; i < s.length; i++) previous[i] = s[(i + s.length - 1) % s.length];
    float[] mid = geometricMidpoints(s, previous); // mid[k]: between s[k-1] and s[k]
    setInterleavedSigmas(interleave(s, true));
    interpol = interleave(mid, true);
    // timesteps [t0, tm1, t1, tm2, t2, ..., tm_{n-1}, t_{n-1}], tm_k the timestep of mid[k]
    boolean float32 = !config.scheduledSigmas();
    timesteps = new double[2 * steps - 1];
    timesteps[0] = plain[0][0];
    for (int k = 1; k < steps; k++) {
      double tm = ScheduleMath.sigmaToTFloat32(mid[k], logTrainSigmas);
      timesteps[2 * k - 1] = float32 ? (float) tm : tm;
      timesteps[2 * k] = plain[0][k];
    }
  }

  @Override
  public Tensor scaleModelInput(Tensor sample, int stepIndex) {
    checkIndex(stepIndex);
    float sigma = firstOrder(stepIndex) ? sigmas32[stepIndex] : interpol[stepIndex];
    return sample.div(s(sqrt(sigma * sigma + 1f)));
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    if (firstOrder(stepIndex)) {
      float sigma = sigmas32[stepIndex];
      float sigmaMid = interpol[stepIndex + 1];
      Tensor predOriginal = predictOriginal(modelOutput, sample, sigma);
      Tensor derivative = sample.sub(predOriginal).div(s(sigma));
      release(firstSample); // left by the last step's first evaluation, which has no correction
      firstSample = hold(sample.clone());
      return new StepResult(sample.add(derivative.mul(s(sigmaMid - sigma))), predOriginal);
    }
    if (firstSample == null)
      throw new IllegalStateException(
          "step " + stepIndex + " of DPM2 needs step " + (stepIndex - 1));
    float sigma = sigmas32[stepIndex - 1];
    float sigmaMid = interpol[stepIndex];
    float sigmaNext = sigmas32[stepIndex];
    Tensor predOriginal = predictOriginal(modelOutput, sample, sigmaMid);
    Tensor derivative = sample.sub(predOriginal).div(s(sigmaMid));
    Tensor prev = firstSample.add(derivative.mul(s(sigmaNext - sigma)));
    release(firstSample);
    firstSample = null;
    return new StepResult(prev, predOriginal);
  }

  @Override
  protected void forgetHistory() {
    firstSample = null;
  }
}
