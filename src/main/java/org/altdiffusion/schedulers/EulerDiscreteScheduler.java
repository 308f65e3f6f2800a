package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Euler's method on the probability-flow ODE (Karras et al. 2022, Algorithm 2 without churn), as
 * diffusers' EulerDiscreteScheduler; optionally on Karras sigmas.
 */
public final class EulerDiscreteScheduler extends SigmaScheduler {
  public EulerDiscreteScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.EULER);
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[] t = spacedTimesteps(steps);
    double[] stepSigmas =
        config.interpolationType().equals("log_linear")
            ? logLinearSigmas(steps)
            : ScheduleMath.interp(t, trainSigmas);
    if (config.scheduledSigmas()) {
      double sigmaMin =
          config.sigmaMin() != null ? config.sigmaMin() : stepSigmas[stepSigmas.length - 1];
      double sigmaMax = config.sigmaMax() != null ? config.sigmaMax() : stepSigmas[0];
      stepSigmas =
          KDiffusionSchedules.diffusersStepSigmas(config, sigmaMin, sigmaMax, steps, trainSigmas);
      t = new double[stepSigmas.length];
      for (int i = 0; i < t.length; i++)
        t[i] = (float) ScheduleMath.sigmaToT(stepSigmas[i], logTrainSigmas);
    }
    double last = config.finalSigmasType().equals("sigma_min") ? trainSigmas[0] : 0.0;
    setSigmas(stepSigmas, last);
    if (config.timestepType().equals("continuous")
        && config.predictionType().equals("v_prediction")) {
      // The UNet of continuous-time v models takes c_noise = log(sigma) / 4.
      t = new double[sigmas32.length - 1];
      for (int i = 0; i < t.length; i++) t[i] = 0.25f * log(sigmas32[i]);
    }
    timesteps = t;
  }

  /**
   * {@code steps + 1} sigmas evenly spaced in log from the largest to the smallest (float32, as
   * torch).
   */
  private double[] logLinearSigmas(int steps) {
    float logMax = log(trainSigmas[trainSigmas.length - 1]);
    float logMin = log(trainSigmas[0]);
    float[] values = new float[steps + 1];
    Scopes.run(
        () -> {
          Tensor v =
              torch
                  .linspace(
                      Tensors.scalar(logMax),
                      Tensors.scalar(logMin),
                      steps + 1,
                      Tensors.floatOptions())
                  .exp();
          System.arraycopy(Tensors.toFloats(v), 0, values, 0, values.length);
        });
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) out[i] = values[i];
    return out;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    // diffusers draws the churn noise every step even with s_churn = 0: keep the generator in step.
    if (noise != null) noise.like(modelOutput);
    float sigma = sigmas32[stepIndex];
    Tensor predOriginal = predictOriginal(modelOutput, sample, sigma);
    Tensor derivative = sample.sub(predOriginal).div(s(sigma));
    float dt = sigmas32[stepIndex + 1] - sigma;
    return new StepResult(sample.add(derivative.mul(s(dt))), predOriginal);
  }

  @Override
  protected void forgetHistory() {}
}
