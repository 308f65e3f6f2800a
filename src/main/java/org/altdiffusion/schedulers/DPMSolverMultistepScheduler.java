package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Scopes;
import org.bytedeco.pytorch.Tensor;

/**
 * DPM-Solver (Lu et al. 2022) and DPM-Solver++ (Lu et al. 2022b), multistep, as diffusers'
 * DPMSolverMultistepScheduler: orders 1-3 over the model outputs of the last steps (converted to x0
 * for the ++ variants, kept as epsilon for plain DPM-Solver), midpoint or Heun second-order
 * updates, optionally the SDE variant (fresh noise per step) and Karras or Lu sigma spacings.
 * "DPM++ 2M" is dpmsolver++ with solver_order 2.
 */
public final class DPMSolverMultistepScheduler extends AbstractScheduler {
  private final float[] trainSigmas;
  private final float[] logTrainSigmas;
  private final float[]
      lambdas; // log(alpha_t) - log(sigma_t) per train timestep, for lambda_min_clipped
  private float[] sigmas32 = new float[0];
  private final Tensor[] modelOutputs; // the last solver_order converted outputs, newest last
  private int lowerOrderNums;

  public DPMSolverMultistepScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.DPM_MULTISTEP);
    float[] alphasCumprod = schedule.alphasCumprod();
    if (config.rescaleBetasZeroSnr()) alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f;
    trainSigmas = ScheduleMath.trainSigmas(alphasCumprod);
    logTrainSigmas = ScheduleMath.logFloat32(trainSigmas);
    lambdas = new float[alphasCumprod.length];
    for (int i = 0; i < lambdas.length; i++) {
      lambdas[i] = log(sqrt(alphasCumprod[i])) - log(sqrt(1f - alphasCumprod[i]));
    }
    modelOutputs = new Tensor[config.solverOrder()];
    // lambda_min_clipped cuts the timesteps whose lambda is below it (-Infinity: none). Above every
    // lambda it would cut them all, and diffusers would then run timesteps -1 and 0 only.
    float largest = Float.NEGATIVE_INFINITY;
    for (float l : lambdas) largest = Math.max(largest, l);
    if (largest < config.lambdaMinClipped()) {
      throw SchedulerConfig.error(
          config,
          "lambda_min_clipped",
          "is "
              + config.lambdaMinClipped()
              + ", above the largest lambda of the schedule ("
              + largest
              + "): it would clip every timestep");
    }
  }

  @Override
  protected void computeTimesteps(int steps) {
    int train = config.numTrainTimesteps();
    // Timesteps whose lambda falls below lambda_min_clipped are cut from the top (searchsorted).
    int clipped = 0;
    for (int i = lambdas.length - 1; i >= 0; i--)
      if (lambdas[i] < config.lambdaMinClipped()) clipped++;
    int lastTimestep = train - clipped;
    double[][] plain = multistepSchedule(config, steps, lastTimestep, trainSigmas, logTrainSigmas);
    double[] t = plain[0];
    double[] stepSigmas = plain[1];
    double last = config.finalSigmasType().equals("sigma_min") ? trainSigmas[0] : 0.0;
    sigmas = new double[stepSigmas.length + 1];
    sigmas32 = new float[stepSigmas.length + 1];
    for (int i = 0; i < sigmas.length; i++) {
      sigmas32[i] = (float) (i < stepSigmas.length ? stepSigmas[i] : last);
      sigmas[i] = sigmas32[i];
    }
    timesteps = t;
  }

  /**
   * The whole-number timesteps and float64 sigmas of diffusers' multistep solvers (DPM-Solver,
   * UniPC): {@code steps + 1} points spaced over [0, lastTimestep) with the last dropped, or Karras
   * / Lu sigmas with the rounded timesteps of each.
   */
  static double[][] multistepSchedule(
      SchedulerConfig config,
      int steps,
      int lastTimestep,
      float[] trainSigmas,
      float[] logTrainSigmas) {
    int train = config.numTrainTimesteps();
    double[] t;
    switch (config.timestepSpacing()) {
      case "linspace" -> {
        double[] v =
            ScheduleMath.reverse(
                ScheduleMath.round(ScheduleMath.linspace(0, lastTimestep - 1, steps + 1)));
        t = java.util.Arrays.copyOf(v, steps);
      }
      case "leading" -> {
        int ratio = lastTimestep / (steps + 1);
        t = new double[steps];
        for (int i = 0; i < steps; i++) t[i] = (double) (steps - i) * ratio + config.stepsOffset();
      }
      case "trailing" -> {
        t = ScheduleMath.round(ScheduleMath.arange(lastTimestep, 0, -(double) train / steps));
        for (int i = 0; i < t.length; i++) t[i] -= 1;
      }
      default -> throw new IllegalStateException(config.timestepSpacing());
    }
    double[] stepSigmas;
    if (config.scheduledSigmas()) {
      stepSigmas =
          KDiffusionSchedules.diffusersStepSigmas(
              config, trainSigmas[0], trainSigmas[trainSigmas.length - 1], steps, trainSigmas);
      t = roundedTimesteps(stepSigmas, logTrainSigmas);
    } else if (config.useLuLambdas()) {
      double[] logSigmas =
          ScheduleMath.luLambdas(
              logTrainSigmas[0], logTrainSigmas[logTrainSigmas.length - 1], steps);
      stepSigmas = new double[steps];
      for (int i = 0; i < steps; i++) stepSigmas[i] = Math.exp(logSigmas[i]);
      t = roundedTimesteps(stepSigmas, logTrainSigmas);
    } else {
      stepSigmas = ScheduleMath.interp(t, trainSigmas);
    }
    return new double[][] {t, stepSigmas};
  }

  private static double[] roundedTimesteps(double[] stepSigmas, float[] logTrainSigmas) {
    double[] t = new double[stepSigmas.length];
    for (int i = 0; i < t.length; i++)
      t[i] = ScheduleMath.round(ScheduleMath.sigmaToT(stepSigmas[i], logTrainSigmas));
    return t;
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noiseSource) {
    int n = timesteps.length;
    boolean last = stepIndex == n - 1;
    boolean lowerOrderFinal =
        last
            && (config.eulerAtFinal()
                || (config.lowerOrderFinal() && n < 15)
                || config.finalSigmasType().equals("zero"));
    boolean lowerOrderSecond = stepIndex == n - 2 && config.lowerOrderFinal() && n < 15;

    Tensor converted = convertModelOutput(modelOutput, stepIndex, sample);
    release(modelOutputs[0]);
    for (int i = 0; i < modelOutputs.length - 1; i++) modelOutputs[i] = modelOutputs[i + 1];
    modelOutputs[modelOutputs.length - 1] = hold(converted);

    Tensor noise = config.algorithmType().startsWith("sde") ? noiseSource.like(modelOutput) : null;
    int order = config.solverOrder();
    Tensor prev;
    if (order == 1 || lowerOrderNums < 1 || lowerOrderFinal) {
      prev = firstOrderUpdate(converted, stepIndex, sample, noise);
    } else if (order == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
      prev = secondOrderUpdate(stepIndex, sample, noise);
    } else {
      prev = thirdOrderUpdate(stepIndex, sample);
    }
    if (lowerOrderNums < order) lowerOrderNums++;
    return new StepResult(prev, previewX0(converted, stepIndex, sample));
  }

  /** What the solver works on: x0 for DPM-Solver++, epsilon for DPM-Solver. */
  private Tensor convertModelOutput(Tensor modelOutput, int stepIndex, Tensor sample) {
    float[] as = alphaSigma(sigmas32[stepIndex]);
    float alpha = as[0];
    float sigma = as[1];
    String prediction = config.predictionType();
    if (config.algorithmType().endsWith("++")) {
      return switch (prediction) {
        case "epsilon" -> sample.sub(modelOutput.mul(s(sigma))).div(s(alpha));
        case "sample" -> modelOutput.clone();
        default -> sample.mul(s(alpha)).sub(modelOutput.mul(s(sigma)));
      };
    }
    return switch (prediction) {
      case "epsilon" -> modelOutput.clone();
      case "sample" -> sample.sub(modelOutput.mul(s(alpha))).div(s(sigma));
      default -> modelOutput.mul(s(alpha)).add(sample.mul(s(sigma)));
    };
  }

  private Tensor previewX0(Tensor converted, int stepIndex, Tensor sample) {
    if (config.algorithmType().endsWith("++")) return converted;
    float[] as = alphaSigma(sigmas32[stepIndex]);
    return sample.sub(converted.mul(s(as[1]))).div(s(as[0]));
  }

  private float lambda(float[] alphaSigma) {
    return log(alphaSigma[0]) - log(alphaSigma[1]);
  }

  private Tensor firstOrderUpdate(Tensor m0, int i, Tensor sample, Tensor noise) {
    float[] t = alphaSigma(sigmas32[i + 1]);
    float[] s0 = alphaSigma(sigmas32[i]);
    float h = lambda(t) - lambda(s0);
    float alphaT = t[0];
    float sigmaT = t[1];
    return switch (config.algorithmType()) {
      case "dpmsolver++" -> sample.mul(s(sigmaT / s0[1])).sub(m0.mul(s(alphaT * (exp(-h) - 1f))));
      case "dpmsolver" -> sample.mul(s(alphaT / s0[0])).sub(m0.mul(s(sigmaT * (exp(h) - 1f))));
      default ->
          sample
              .mul(s(sigmaT / s0[1] * exp(-h)))
              .add(m0.mul(s(alphaT * (1f - exp(-2f * h)))))
              .add(noise.mul(s(sigmaT * sqrt(1f - exp(-2f * h)))));
    };
  }

  private Tensor secondOrderUpdate(int i, Tensor sample, Tensor noise) {
    float[] t = alphaSigma(sigmas32[i + 1]);
    float[] s0 = alphaSigma(sigmas32[i]);
    float[] s1 = alphaSigma(sigmas32[i - 1]);
    float lambdaT = lambda(t);
    float lambdaS0 = lambda(s0);
    float lambdaS1 = lambda(s1);
    Tensor m0 = modelOutputs[modelOutputs.length - 1];
    Tensor m1 = modelOutputs[modelOutputs.length - 2];
    float h = lambdaT - lambdaS0;
    float h0 = lambdaS0 - lambdaS1;
    float r0 = h0 / h;
    Tensor d0 = m0;
    Tensor d1 = m0.sub(m1).mul(s(1f / r0));
    float alphaT = t[0];
    float sigmaT = t[1];
    boolean heun = config.solverType().equals("heun");
    switch (config.algorithmType()) {
      case "dpmsolver++" -> {
        float c = alphaT * (exp(-h) - 1f);
        Tensor x = sample.mul(s(sigmaT / s0[1])).sub(d0.mul(s(c)));
        return heun
            ? x.add(d1.mul(s(alphaT * ((exp(-h) - 1f) / h + 1f))))
            : x.sub(d1.mul(s(0.5f * c)));
      }
      case "dpmsolver" -> {
        float c = sigmaT * (exp(h) - 1f);
        Tensor x = sample.mul(s(t[0] / s0[0])).sub(d0.mul(s(c)));
        return heun
            ? x.sub(d1.mul(s(sigmaT * ((exp(h) - 1f) / h - 1f))))
            : x.sub(d1.mul(s(0.5f * c)));
      }
      default -> { // sde-dpmsolver++
        float c = alphaT * (1f - exp(-2f * h));
        Tensor x = sample.mul(s(sigmaT / s0[1] * exp(-h))).add(d0.mul(s(c)));
        x =
            heun
                ? x.add(d1.mul(s(alphaT * ((1f - exp(-2f * h)) / (-2f * h) + 1f))))
                : x.add(d1.mul(s(0.5f * c)));
        return x.add(noise.mul(s(sigmaT * sqrt(1f - exp(-2f * h)))));
      }
    }
  }

  private Tensor thirdOrderUpdate(int i, Tensor sample) {
    float[] t = alphaSigma(sigmas32[i + 1]);
    float[] s0 = alphaSigma(sigmas32[i]);
    float[] s1 = alphaSigma(sigmas32[i - 1]);
    float[] s2 = alphaSigma(sigmas32[i - 2]);
    float lambdaT = lambda(t);
    float lambdaS0 = lambda(s0);
    float lambdaS1 = lambda(s1);
    float lambdaS2 = lambda(s2);
    Tensor m0 = modelOutputs[modelOutputs.length - 1];
    Tensor m1 = modelOutputs[modelOutputs.length - 2];
    Tensor m2 = modelOutputs[modelOutputs.length - 3];
    float h = lambdaT - lambdaS0;
    float h0 = lambdaS0 - lambdaS1;
    float h1 = lambdaS1 - lambdaS2;
    float r0 = h0 / h;
    float r1 = h1 / h;
    Tensor d10 = m0.sub(m1).mul(s(1f / r0));
    Tensor d11 = m1.sub(m2).mul(s(1f / r1));
    Tensor d1 = d10.add(d10.sub(d11).mul(s(r0 / (r0 + r1))));
    Tensor d2 = d10.sub(d11).mul(s(1f / (r0 + r1)));
    float alphaT = t[0];
    float sigmaT = t[1];
    if (config.algorithmType().equals("dpmsolver++")) {
      float e = exp(-h) - 1f;
      return sample
          .mul(s(sigmaT / s0[1]))
          .sub(m0.mul(s(alphaT * e)))
          .add(d1.mul(s(alphaT * (e / h + 1f))))
          .sub(d2.mul(s(alphaT * ((exp(-h) - 1f + h) / (h * h) - 0.5f))));
    }
    float e = exp(h) - 1f;
    return sample
        .mul(s(alphaT / s0[0]))
        .sub(m0.mul(s(sigmaT * e)))
        .sub(d1.mul(s(sigmaT * (e / h - 1f))))
        .sub(d2.mul(s(sigmaT * ((exp(h) - 1f - h) / (h * h) - 0.5f))));
  }

  @Override
  public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
    checkIndex(stepIndex);
    float[] as = alphaSigma(sigmas32[stepIndex]);
    return Scopes.keep(() -> original.mul(s(as[0])).add(noise.mul(s(as[1]))));
  }

  @Override
  protected void forgetHistory() {
    java.util.Arrays.fill(modelOutputs, null);
    lowerOrderNums = 0;
  }
}
