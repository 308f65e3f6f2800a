package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Heun's method on the probability-flow ODE (Karras et al. 2022, Algorithm 1 without churn), as
 * diffusers' HeunDiscreteScheduler: an Euler step to the next sigma, then the average of the slopes
 * at both ends from the start. Two model evaluations per step ({@link #order()} 2).
 */
public final class HeunDiscreteScheduler extends SecondOrderSigmaScheduler {
  private Tensor firstSample;
  private Tensor firstDerivative;
  private float firstDt;

  public HeunDiscreteScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.HEUN);
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[][] plain = plainSchedule(steps, false);
    double[] t = plain[0];
    // timesteps [t0, t1, t1, ..., t_{n-1}, t_{n-1}]; sigmas [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0]
    timesteps = new double[2 * steps - 1];
    timesteps[0] = t[0];
    for (int i = 1; i < steps; i++) {
      timesteps[2 * i - 1] = t[i];
      timesteps[2 * i] = t[i];
    }
    setInterleavedSigmas(interleave(withFinalZero(plain[1]), false));
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    boolean first = firstOrder(stepIndex);
    float sigma = first ? sigmas32[stepIndex] : sigmas32[stepIndex - 1];
    float sigmaNext = first ? sigmas32[stepIndex + 1] : sigmas32[stepIndex];
    Tensor predOriginal = predictOriginal(modelOutput, sample, first ? sigma : sigmaNext);
    if (config.clipSample()) {
      double r = config.clipSampleRange();
      predOriginal =
          predOriginal.clamp(new ScalarOptional(new Scalar(-r)), new ScalarOptional(new Scalar(r)));
    }
    if (first) {
      Tensor derivative = sample.sub(predOriginal).div(s(sigma));
      firstDt = sigmaNext - sigma;
      release(firstSample); // left by a first evaluation without its correction (the last step)
      release(firstDerivative);
      firstDerivative = hold(derivative);
      firstSample = hold(sample.clone());
      return new StepResult(sample.add(derivative.mul(s(firstDt))), predOriginal);
    }
    if (firstSample == null)
      throw new IllegalStateException(
          "step " + stepIndex + " of Heun needs step " + (stepIndex - 1));
    Tensor derivative = sample.sub(predOriginal).div(s(sigmaNext));
    derivative = firstDerivative.add(derivative).div(s(2));
    Tensor prev = firstSample.add(derivative.mul(s(firstDt)));
    release(firstSample);
    release(firstDerivative);
    forgetHistory();
    return new StepResult(prev, predOriginal);
  }

  @Override
  protected void forgetHistory() {
    firstSample = null;
    firstDerivative = null;
  }
}
