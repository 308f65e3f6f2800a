package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * Linear multistep (k-diffusion's {@code sample_lms}, order 4), as diffusers' LMSDiscreteScheduler:
 * the update integrates the Lagrange polynomial through the last derivatives over [sigma_i,
 * sigma_{i+1}], by adaptive Gauss-Kronrod quadrature where diffusers calls scipy.integrate.quad.
 */
public final class LMSDiscreteScheduler extends SigmaScheduler {
  private static final int ORDER = 4;
  private final List<Tensor> derivatives = new ArrayList<>(); // newest last

  public LMSDiscreteScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.LMS);
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[] t = spacedTimesteps(steps);
    double[] stepSigmas = ScheduleMath.interp(t, trainSigmas);
    if (config.scheduledSigmas()) {
      stepSigmas =
          KDiffusionSchedules.diffusersStepSigmas(
              config, stepSigmas[stepSigmas.length - 1], stepSigmas[0], steps, trainSigmas);
      t = new double[stepSigmas.length];
      for (int i = 0; i < t.length; i++)
        t[i] = ScheduleMath.sigmaToT(stepSigmas[i], logTrainSigmas); // float64 here
    }
    setSigmas(stepSigmas, 0.0);
    timesteps = t;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    float sigma = sigmas32[stepIndex];
    Tensor predOriginal = predictOriginal(modelOutput, sample, sigma);
    derivatives.add(hold(sample.sub(predOriginal).div(s(sigma))));
    if (derivatives.size() > ORDER) release(derivatives.remove(0));
    // diffusers takes the order from the step index, so an img2img start past index 0 uses the
    // higher-order weights on the derivatives it has (the zip below stops at the shorter list).
    int order = Math.min(stepIndex + 1, ORDER);
    Tensor sum = null;
    for (int k = 0; k < order && k < derivatives.size(); k++) {
      double coefficient = lmsCoefficient(order, stepIndex, k);
      Tensor term = derivatives.get(derivatives.size() - 1 - k).mul(s(coefficient));
      sum = sum == null ? term : sum.add(term);
    }
    return new StepResult(sample.add(sum), predOriginal);
  }

  /**
   * The integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial of node {@code
   * current} among the last {@code order} sigmas. The integrand is evaluated in float32, as
   * diffusers does (its sigmas are float32 tensors).
   */
  double lmsCoefficient(int order, int t, int current) {
    return lmsCoefficient(sigmas32, order, t, current);
  }

  static double lmsCoefficient(float[] sig, int order, int t, int current) {
    return ScheduleMath.integrate(
        tau -> {
          float tauF = (float) tau;
          float prod = 1f;
          for (int k = 0; k < order; k++) {
            if (k == current) continue;
            prod *= (tauF - sig[t - k]) / (sig[t - current] - sig[t - k]);
          }
          return prod;
        },
        sig[t],
        sig[t + 1],
        1e-4);
  }

  @Override
  protected void forgetHistory() {
    derivatives.clear();
  }
}
