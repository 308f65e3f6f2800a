package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * Ancestral sampling with Euler steps (k-diffusion's {@code sample_euler_ancestral}), as diffusers'
 * EulerAncestralDiscreteScheduler: each step goes down to {@code sigma_down} deterministically,
 * then adds fresh noise of {@code sigma_up} from the generator.
 */
public final class EulerAncestralDiscreteScheduler extends SigmaScheduler {
  public EulerAncestralDiscreteScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.EULER_ANCESTRAL);
  }

  @Override
  protected void computeTimesteps(int steps) {
    timesteps = spacedTimesteps(steps);
    setSigmas(ScheduleMath.interp(timesteps, trainSigmas), 0.0);
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    float sigmaFrom = sigmas32[stepIndex];
    float sigmaTo = sigmas32[stepIndex + 1];
    Tensor predOriginal = predictOriginal(modelOutput, sample, sigmaFrom);
    // Split the move to sigmaTo into a deterministic part (down) and fresh noise (up).
    float sigmaUp =
        sqrt(
            sigmaTo
                * sigmaTo
                * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
                / (sigmaFrom * sigmaFrom));
    float sigmaDown = sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
    Tensor derivative = sample.sub(predOriginal).div(s(sigmaFrom));
    Tensor prev = sample.add(derivative.mul(s(sigmaDown - sigmaFrom)));
    prev = prev.add(noise.like(modelOutput).mul(s(sigmaUp)));
    return new StepResult(prev, predOriginal);
  }

  @Override
  protected void forgetHistory() {}
}
