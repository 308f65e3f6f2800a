package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The k-diffusion samplers that evaluate the model twice per step (Heun, DPM2, DPM2 ancestral), as
 * diffusers writes them: {@code order() == 2}, and each step after the first gets two timestep
 * indices, so {@code timesteps()} holds {@code 2 * steps - 1} entries. An even index is a step's
 * first (Euler-like) evaluation, the odd index after it the correction; img2img starts at {@code
 * t_start * 2}, always an even index.
 */
abstract class SecondOrderSigmaScheduler extends SigmaScheduler {
  SecondOrderSigmaScheduler(SchedulerConfig config, String expectedClass) {
    super(config, expectedClass);
  }

  @Override
  public int order() {
    return 2;
  }

  /** Whether {@code stepIndex} is a step's first evaluation (diffusers' state_in_first_order). */
  protected static boolean firstOrder(int stepIndex) {
    return stepIndex % 2 == 0;
  }

  /**
   * The timesteps and sigmas of {@code steps} plain steps (before interleaving): {@code [0]} the
   * timesteps (float32 values; with Karras sigmas the fractional train timestep of each sigma,
   * float64, rounded when {@code roundKarras}), {@code [1]} the sigmas in float64.
   */
  protected double[][] plainSchedule(int steps, boolean roundKarras) {
    double[] t = spacedTimesteps(steps);
    double[] stepSigmas = ScheduleMath.interp(t, trainSigmas);
    if (config.scheduledSigmas()) {
      stepSigmas =
          KDiffusionSchedules.diffusersStepSigmas(
              config, stepSigmas[stepSigmas.length - 1], stepSigmas[0], steps, trainSigmas);
      t = new double[steps];
      for (int i = 0; i < steps; i++) {
        double v = ScheduleMath.sigmaToT(stepSigmas[i], logTrainSigmas);
        t[i] = roundKarras ? ScheduleMath.round(v) : v;
      }
    }
    return new double[][] {t, stepSigmas};
  }

  /** The step sigmas plus a final 0, rounded to float32 as diffusers stores them. */
  protected static float[] withFinalZero(double[] stepSigmas) {
    float[] out = new float[stepSigmas.length + 1];
    for (int i = 0; i < stepSigmas.length; i++) out[i] = (float) stepSigmas[i];
    return out;
  }

  /**
   * diffusers' {@code cat([x[:1], x[1:].repeat_interleave(2), x[-1:]])} when {@code lastToo}, else
   * {@code cat([x[:1], x[1:-1].repeat_interleave(2), x[-1:]])}.
   */
  protected static float[] interleave(float[] x, boolean lastToo) {
    int repeated = lastToo ? x.length - 1 : x.length - 2;
    float[] out = new float[2 + 2 * repeated];
    out[0] = x[0];
    for (int i = 0; i < repeated; i++) {
      out[1 + 2 * i] = x[1 + i];
      out[2 + 2 * i] = x[1 + i];
    }
    out[out.length - 1] = x[x.length - 1];
    return out;
  }

  /**
   * {@code a.log().lerp(b.log(), 0.5).exp()} elementwise in float32 with libtorch, as diffusers.
   */
  protected static float[] geometricMidpoints(float[] a, float[] b) {
    float[] out = new float[a.length];
    Scopes.run(
        () -> {
          Tensor la = Tensors.fromFloats(a, a.length).log();
          Tensor lb = Tensors.fromFloats(b, b.length).log();
          System.arraycopy(
              Tensors.toFloats(la.lerp(lb, Tensors.scalar(0.5)).exp()), 0, out, 0, out.length);
        });
    return out;
  }

  /** Stores {@code interleaved} (the last entry included) as {@link #sigmas}. */
  protected void setInterleavedSigmas(float[] interleaved) {
    double[] head = new double[interleaved.length - 1];
    for (int i = 0; i < head.length; i++) head[i] = interleaved[i];
    setSigmas(head, interleaved[interleaved.length - 1]);
  }
}
