package org.altdiffusion.schedulers;

import java.util.Arrays;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Scopes;
import org.bytedeco.pytorch.Tensor;

/**
 * Diffusion exponential integrator sampling (Zhang & Chen 2022), as diffusers'
 * DEISMultistepScheduler: multistep on epsilon in rho = sigma / alpha, the polynomial through the
 * last outputs integrated in log-rho ("logrho"), orders 1-3. Deterministic; ends at the smallest
 * train sigma, as diffusers does.
 */
public final class DEISMultistepScheduler extends AbstractScheduler {
  private final float[] trainSigmas;
  private final float[] logTrainSigmas;
  private float[] sigmas32 = new float[0];
  private final Tensor[] modelOutputs; // epsilon of the last solver_order steps, newest last
  private int lowerOrderNums;

  public DEISMultistepScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.DEIS);
    trainSigmas = ScheduleMath.trainSigmas(schedule.alphasCumprod());
    logTrainSigmas = ScheduleMath.logFloat32(trainSigmas);
    modelOutputs = new Tensor[config.solverOrder()];
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[][] plain =
        DPMSolverMultistepScheduler.multistepSchedule(
            config, steps, config.numTrainTimesteps(), trainSigmas, logTrainSigmas);
    double[] stepSigmas = plain[1];
    double last = config.scheduledSigmas() ? stepSigmas[stepSigmas.length - 1] : trainSigmas[0];
    sigmas32 = new float[stepSigmas.length + 1];
    sigmas = new double[stepSigmas.length + 1];
    for (int i = 0; i < sigmas.length; i++) {
      sigmas32[i] = (float) (i < stepSigmas.length ? stepSigmas[i] : last);
      sigmas[i] = sigmas32[i];
    }
    timesteps = plain[0];
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    int n = timesteps.length;
    boolean lowerFinal = stepIndex == n - 1 && config.lowerOrderFinal() && n < 15;
    boolean lowerSecond = stepIndex == n - 2 && config.lowerOrderFinal() && n < 15;
    float[] as = alphaSigma(sigmas32[stepIndex]);
    Tensor x0 =
        switch (config.predictionType()) {
          case "epsilon" -> sample.sub(modelOutput.mul(s(as[1]))).div(s(as[0]));
          case "sample" -> modelOutput;
          default -> sample.mul(s(as[0])).sub(modelOutput.mul(s(as[1])));
        };
    Tensor eps = sample.sub(x0.mul(s(as[0]))).div(s(as[1]));
    release(modelOutputs[0]);
    for (int k = 0; k < modelOutputs.length - 1; k++) modelOutputs[k] = modelOutputs[k + 1];
    modelOutputs[modelOutputs.length - 1] = hold(eps);
    int order = config.solverOrder();
    Tensor prev;
    if (order == 1 || lowerOrderNums < 1 || lowerFinal) prev = firstOrder(eps, stepIndex, sample);
    else if (order == 2 || lowerOrderNums < 2 || lowerSecond) prev = secondOrder(stepIndex, sample);
    else prev = thirdOrder(stepIndex, sample);
    if (lowerOrderNums < order) lowerOrderNums++;
    return new StepResult(prev, x0);
  }

  private Tensor firstOrder(Tensor m0, int i, Tensor sample) {
    float[] t = alphaSigma(sigmas32[i + 1]);
    float[] s0 = alphaSigma(sigmas32[i]);
    float h = (log(t[0]) - log(t[1])) - (log(s0[0]) - log(s0[1]));
    return sample.mul(s(t[0] / s0[0])).sub(m0.mul(s(t[1] * (exp(h) - 1f))));
  }

  /** rho = sigma / alpha of the variance-preserving form at step index {@code i}. */
  private float rho(int i) {
    float[] as = alphaSigma(sigmas32[i]);
    return as[1] / as[0];
  }

  /** The integral of the Lagrange basis through log-rho nodes b, c, at t (second order). */
  private static float ind2(float t, float b, float c) {
    return t * (-log(c) + log(t) - 1f) / (log(b) - log(c));
  }

  private static float ind3(float t, float b, float c, float d) {
    float lt = log(t);
    float ld = log(d);
    float numerator = t * (log(c) * (ld - lt + 1f) - ld * lt + ld + lt * lt - 2f * lt + 2f);
    float denominator = (log(b) - log(c)) * (log(b) - ld);
    return numerator / denominator;
  }

  private Tensor secondOrder(int i, Tensor sample) {
    float alphaT = alphaSigma(sigmas32[i + 1])[0];
    float alphaS0 = alphaSigma(sigmas32[i])[0];
    float rhoT = rho(i + 1);
    float rhoS0 = rho(i);
    float rhoS1 = rho(i - 1);
    float coef1 = ind2(rhoT, rhoS0, rhoS1) - ind2(rhoS0, rhoS0, rhoS1);
    float coef2 = ind2(rhoT, rhoS1, rhoS0) - ind2(rhoS0, rhoS1, rhoS0);
    Tensor m0 = modelOutputs[modelOutputs.length - 1];
    Tensor m1 = modelOutputs[modelOutputs.length - 2];
    return sample.div(s(alphaS0)).add(m0.mul(s(coef1))).add(m1.mul(s(coef2))).mul(s(alphaT));
  }

  private Tensor thirdOrder(int i, Tensor sample) {
    float alphaT = alphaSigma(sigmas32[i + 1])[0];
    float alphaS0 = alphaSigma(sigmas32[i])[0];
    float rhoT = rho(i + 1);
    float rhoS0 = rho(i);
    float rhoS1 = rho(i - 1);
    float rhoS2 = rho(i - 2);
    float coef1 = ind3(rhoT, rhoS0, rhoS1, rhoS2) - ind3(rhoS0, rhoS0, rhoS1, rhoS2);
    float coef2 = ind3(rhoT, rhoS1, rhoS2, rhoS0) - ind3(rhoS0, rhoS1, rhoS2, rhoS0);
    float coef3 = ind3(rhoT, rhoS2, rhoS0, rhoS1) - ind3(rhoS0, rhoS2, rhoS0, rhoS1);
    Tensor m0 = modelOutputs[modelOutputs.length - 1];
    Tensor m1 = modelOutputs[modelOutputs.length - 2];
    Tensor m2 = modelOutputs[modelOutputs.length - 3];
    return sample
        .div(s(alphaS0))
        .add(m0.mul(s(coef1)))
        .add(m1.mul(s(coef2)))
        .add(m2.mul(s(coef3)))
        .mul(s(alphaT));
  }

  @Override
  public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
    checkIndex(stepIndex);
    float[] as = alphaSigma(sigmas32[stepIndex]);
    return Scopes.keep(() -> original.mul(s(as[0])).add(noise.mul(s(as[1]))));
  }

  @Override
  protected void forgetHistory() {
    Arrays.fill(modelOutputs, null);
    lowerOrderNums = 0;
  }
}
