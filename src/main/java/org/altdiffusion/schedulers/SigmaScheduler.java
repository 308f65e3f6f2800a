package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Scopes;
import org.bytedeco.pytorch.Tensor;

/**
 * The samplers of Karras et al. (2022) that diffusers writes in the variance-exploding form {@code
 * x = x0 + sigma * eps} (Euler, Euler ancestral, LMS): float32 timesteps spaced over the train
 * steps, sigmas interpolated at them, inputs scaled by {@code 1 / sqrt(sigma² + 1)}.
 */
abstract class SigmaScheduler extends AbstractScheduler {
  /** sqrt((1 - ᾱ_t) / ᾱ_t) per train timestep (float32), ascending in t. */
  protected final float[] trainSigmas;

  protected final float[] logTrainSigmas;

  /** float32 values of {@link #sigmas}, as the step arithmetic uses them. */
  protected float[] sigmas32 = new float[0];

  SigmaScheduler(SchedulerConfig config, String expectedClass) {
    super(config, expectedClass);
    float[] alphasCumprod = schedule.alphasCumprod();
    if (config.rescaleBetasZeroSnr()) {
      // ᾱ_T is exactly 0 after the rescale: diffusers sets it to 2^-24 to keep sigma_T finite.
      alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f;
    }
    trainSigmas = ScheduleMath.trainSigmas(alphasCumprod);
    logTrainSigmas = ScheduleMath.logFloat32(trainSigmas);
  }

  /** The inference timesteps for the configured spacing, highest first, as float32 values. */
  protected double[] spacedTimesteps(int steps) {
    int train = config.numTrainTimesteps();
    return switch (config.timestepSpacing()) {
      case "linspace" ->
          ScheduleMath.reverse(ScheduleMath.toFloat32(ScheduleMath.linspace(0, train - 1, steps)));
      case "leading" -> {
        int ratio = train / steps;
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++)
          t[i] = (float) ((double) (steps - 1 - i) * ratio) + (float) config.stepsOffset();
        yield t;
      }
      case "trailing" -> {
        double[] t =
            ScheduleMath.toFloat32(
                ScheduleMath.round(ScheduleMath.arange(train, 0, -(double) train / steps)));
        for (int i = 0; i < t.length; i++) t[i] = (float) (t[i] - 1);
        yield t;
      }
      default -> throw new IllegalStateException(config.timestepSpacing());
    };
  }

  /**
   * Stores the sigmas of the steps plus the final one, rounded to float32 as diffusers keeps them.
   */
  protected void setSigmas(double[] stepSigmas, double last) {
    sigmas = new double[stepSigmas.length + 1];
    sigmas32 = new float[stepSigmas.length + 1];
    for (int i = 0; i <= stepSigmas.length; i++) {
      sigmas32[i] = (float) (i < stepSigmas.length ? stepSigmas[i] : last);
      sigmas[i] = sigmas32[i];
    }
  }

  @Override
  public double initNoiseSigma() {
    if (sigmas32.length == 0)
      throw new IllegalStateException("call setTimesteps before initNoiseSigma");
    float max = Float.NEGATIVE_INFINITY;
    for (float s : sigmas32) max = Math.max(max, s);
    String spacing = config.timestepSpacing();
    return spacing.equals("linspace") || spacing.equals("trailing") ? max : sqrt(max * max + 1f);
  }

  @Override
  public Tensor scaleModelInput(Tensor sample, int stepIndex) {
    checkIndex(stepIndex);
    float sigma = sigmas32[stepIndex];
    return sample.div(s(sqrt(sigma * sigma + 1f)));
  }

  /** The clean sample the model output implies at {@code sigma} (epsilon, v or x0 prediction). */
  protected Tensor predictOriginal(Tensor modelOutput, Tensor sample, float sigma) {
    return switch (config.predictionType()) {
      case "epsilon" -> sample.sub(modelOutput.mul(s(sigma)));
      case "v_prediction" ->
          modelOutput
              .mul(s(-sigma / sqrt(sigma * sigma + 1f)))
              .add(sample.div(s(sigma * sigma + 1f)));
      default -> modelOutput; // sample / original_sample
    };
  }

  @Override
  public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
    checkIndex(stepIndex);
    float sigma = sigmas32[stepIndex];
    return Scopes.keep(() -> original.add(noise.mul(s(sigma))));
  }
}
