package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Denoising diffusion implicit models (Song et al. 2020), as diffusers' DDIMScheduler: eta 0 is
 * deterministic; eta > 0 adds {@code eta * sigma_t} of fresh noise per step from the generator.
 */
public final class DDIMScheduler extends AbstractScheduler {
  private final float finalAlphaCumprod;
  private double eta;

  public DDIMScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.DDIM);
    finalAlphaCumprod = config.setAlphaToOne() ? 1f : schedule.alphaCumprod(0);
  }

  @Override
  public void setEta(double eta) {
    if (!(eta >= 0)) throw new IllegalArgumentException("eta must be >= 0, got " + eta);
    this.eta = eta;
  }

  public double eta() {
    return eta;
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
    int timestep = (int) timesteps[stepIndex];
    int prevTimestep = timestep - config.numTrainTimesteps() / numInferenceSteps;
    float alphaProd = schedule.alphaCumprod(timestep);
    float alphaProdPrev =
        prevTimestep >= 0 ? schedule.alphaCumprod(prevTimestep) : finalAlphaCumprod;
    float betaProd = 1f - alphaProd;

    // The clean sample and the noise the model output implies (formula 12 of the paper).
    Tensor[] x0AndEps = originalAndNoise(sample, modelOutput, alphaProd, betaProd);
    Tensor predOriginal = x0AndEps[0];
    Tensor predEpsilon = x0AndEps[1];
    if (config.clipSample()) {
      double r = config.clipSampleRange();
      predOriginal =
          predOriginal.clamp(new ScalarOptional(new Scalar(-r)), new ScalarOptional(new Scalar(r)));
    }

    // sigma_t(eta) of formula 16; the direction pointing to x_t; then x_{t-1}.
    float betaProdPrev = 1f - alphaProdPrev;
    float variance = (betaProdPrev / betaProd) * (1f - alphaProd / alphaProdPrev);
    float stdDev = (float) eta * sqrt(variance);
    Tensor direction = predEpsilon.mul(s(sqrt(1f - alphaProdPrev - stdDev * stdDev)));
    Tensor prev = predOriginal.mul(s(sqrt(alphaProdPrev))).add(direction);
    if (eta > 0) {
      prev = prev.add(noise.like(modelOutput).mul(s(stdDev)));
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
