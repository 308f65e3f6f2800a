package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Ancestral sampling of denoising diffusion probabilistic models (Ho et al. 2020), as diffusers'
 * DDPMScheduler: the posterior mean from the predicted clean sample (formula 7 of the paper) plus
 * fresh noise of the fixed small (or large) variance at every step whose timestep is above 0.
 */
public final class DDPMScheduler extends AbstractScheduler {
  public DDPMScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.DDPM);
  }

  @Override
  protected void computeTimesteps(int steps) {
    timesteps = ScheduleMath.integerTimesteps(config, steps);
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    int t = (int) timesteps[stepIndex];
    int prevT = t - config.numTrainTimesteps() / numInferenceSteps;
    float alphaProd = schedule.alphaCumprod(t);
    float alphaProdPrev = prevT >= 0 ? schedule.alphaCumprod(prevT) : 1f;
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    float currentAlpha = alphaProd / alphaProdPrev;
    float currentBeta = 1f - currentAlpha;

    Tensor predOriginal =
        switch (config.predictionType()) {
          case "epsilon" -> sample.sub(modelOutput.mul(s(sqrt(betaProd)))).div(s(sqrt(alphaProd)));
          case "sample" -> modelOutput;
          default -> sample.mul(s(sqrt(alphaProd))).sub(modelOutput.mul(s(sqrt(betaProd))));
        };
    if (config.clipSample()) {
      double r = config.clipSampleRange();
      predOriginal =
          predOriginal.clamp(new ScalarOptional(new Scalar(-r)), new ScalarOptional(new Scalar(r)));
    }
    // The mean of q(x_{t-1} | x_t, x_0) (formula 7).
    float originalCoefficient = sqrt(alphaProdPrev) * currentBeta / betaProd;
    float sampleCoefficient = sqrt(currentAlpha) * betaProdPrev / betaProd;
    Tensor prev = predOriginal.mul(s(originalCoefficient)).add(sample.mul(s(sampleCoefficient)));
    if (t > 0) {
      Tensor fresh = noise.like(modelOutput);
      float variance =
          config.varianceType().equals("fixed_large")
              ? currentBeta
              : Math.max((1f - alphaProdPrev) / (1f - alphaProd) * currentBeta, 1e-20f);
      prev = prev.add(fresh.mul(s(sqrt(variance))));
    }
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
