package org.altdiffusion.schedulers;

import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * DPM-Solver++ (stochastic, second order): k-diffusion's {@code sample_dpmpp_sde} as diffusers
 * 0.30.3's DPMSolverSDEScheduler writes it (A1111's "DPM++ SDE" / "DPM++ SDE Karras"). Each step is
 * an ancestral DPM-Solver-1 step to the midpoint in log-sigma, then a second evaluation there and a
 * step from the start over the whole interval; both add noise of a Brownian motion over sigma
 * ({@link BrownianNoise}), so that the noise of a step is the same whatever the step count.
 *
 * <p>Two model evaluations per step ({@link #order()} 2) with diffusers' interleaved timesteps
 * {@code [t0, m0, t1, m1, ..., t_{n-1}]} (m_k the train timestep of the midpoint sigma, float64)
 * and sigmas {@code [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0]}; the last step is an Euler step to 0.
 *
 * <p>The Brownian trees are seeded per picture with {@link Noise#seeds()} (the request's seed of
 * each picture, as A1111 seeds them); when the noise carries no seeds, with the config's {@code
 * noise_sampler_seed}, else with a random seed from torch's global generator, as diffusers does.
 * The sampler draws nothing from the request's generators.
 *
 * <p>Scalar arithmetic is float32 with correctly rounded log/exp/sqrt; the Brownian tree equals
 * torchsde's value for value. diffusers' torch (pip, built with MKL) takes log, exp and sqrt of
 * float32 tensors from MKL's VML, which rounds about 6%, 1% and 17% of inputs the other way (the
 * train sigmas are a sqrt, each query time is {@code exp(-(-log sigma))}). torchsde rounds query
 * times to 1e-6, so where a 1-ulp difference crosses that grid (1.8% of the query times over 2 to
 * 150 steps, Karras on and off, from log/exp alone) the step's noise is that of an interval 1e-6
 * longer or shorter, ~1e-3 away: 15 of the 25 recorded trajectories stay within 1e-5 of the plain
 * MKL run, the others within 7e-3. Against diffusers run on correctly rounded log/exp/sqrt
 * (tools/reference/make_sde_fixtures.py) every trajectory agrees within 5e-7.
 */
public final class DPMSolverSDEScheduler extends SecondOrderSigmaScheduler {
  private Tensor firstSample;
  private BrownianNoise brownian;

  public DPMSolverSDEScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.DPM_SDE);
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[] t = spacedTimesteps64(steps);
    double[] stepSigmas = ScheduleMath.interp(t, trainSigmas);
    if (config.scheduledSigmas()) { // Karras, or an A1111 schedule type in its place
      stepSigmas =
          KDiffusionSchedules.diffusersStepSigmas(
              config, stepSigmas[stepSigmas.length - 1], stepSigmas[0], steps, trainSigmas);
      t = new double[steps];
      for (int i = 0; i < steps; i++) t[i] = ScheduleMath.sigmaToT(stepSigmas[i], logTrainSigmas);
    }
    // timesteps [t0, m0, t1, m1, ..., m_{n-2}, t_{n-1}]: m_k at the log-sigma midpoint of k, k+1
    timesteps = new double[2 * steps - 1];
    timesteps[0] = t[0];
    for (int k = 0; k + 1 < steps; k++) {
      double logFrom = -Math.log(stepSigmas[k]);
      double logTo = -Math.log(stepSigmas[k + 1]);
      double mid = Math.exp(-(logFrom + (logTo - logFrom) * 0.5));
      timesteps[2 * k + 1] = ScheduleMath.sigmaToT(mid, logTrainSigmas);
      timesteps[2 * k + 2] = t[k + 1];
    }
    setInterleavedSigmas(interleave(withFinalZero(stepSigmas), false));
  }

  /**
   * The inference timesteps in float64, as this class spaces them (unlike the other sigma samplers,
   * which space in float32): {@code np.linspace(0, T - 1, n, dtype=float)}, leading's {@code
   * round(arange(n) * (T // n)) + steps_offset}, trailing's {@code round(arange(T, 0, -T / n)) -
   * 1}; highest first.
   */
  private double[] spacedTimesteps64(int steps) {
    int train = config.numTrainTimesteps();
    return switch (config.timestepSpacing()) {
      case "linspace" -> ScheduleMath.reverse(ScheduleMath.linspace(0, train - 1, steps));
      case "leading" -> {
        int ratio = train / steps;
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++)
          t[i] = (double) (steps - 1 - i) * ratio + config.stepsOffset();
        yield t;
      }
      case "trailing" -> {
        double[] t = ScheduleMath.round(ScheduleMath.arange(train, 0, -(double) train / steps));
        for (int i = 0; i < t.length; i++) t[i] -= 1;
        yield t;
      }
      default -> throw new IllegalStateException(config.timestepSpacing());
    };
  }

  @Override
  public Tensor scaleModelInput(Tensor sample, int stepIndex) {
    checkIndex(stepIndex);
    float sigma = firstOrder(stepIndex) ? sigmas32[stepIndex] : midpoint(stepIndex - 1);
    return sample.div(s(sqrt(sigma * sigma + 1f)));
  }

  /** diffusers' {@code mid_point_sigma}: the log-sigma midpoint of the step at {@code first}. */
  private float midpoint(int first) {
    float t = -log(sigmas32[first]);
    float tNext = -log(sigmas32[first + 1]);
    return exp(-(t + (tNext - t) * 0.5f));
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    if (brownian == null) brownian = brownianNoise(sample, noise);
    boolean first = firstOrder(stepIndex);
    int from = first ? stepIndex : stepIndex - 1;
    float sigma = sigmas32[from];
    float sigmaNext = sigmas32[from + 1];
    float t = -log(sigma);
    float tNext = -log(sigmaNext);
    float tProposed = t + (tNext - t) * 0.5f;
    Tensor predOriginal =
        predictOriginal(modelOutput, sample, first ? sigma : exp(-tProposed)); // float32
    if (sigmaNext == 0) { // the last step: Euler to sigma 0
      Tensor derivative = sample.sub(predOriginal).div(s(sigma));
      return new StepResult(sample.add(derivative.mul(s(sigmaNext - sigma))), predOriginal);
    }
    Tensor start = sample;
    if (first) {
      tNext = tProposed;
    } else {
      if (firstSample == null)
        throw new IllegalStateException(
            "step " + stepIndex + " of DPM++ SDE needs step " + (stepIndex - 1));
      start = firstSample;
    }
    float sigmaFrom = exp(-t);
    float sigmaTo = exp(-tNext);
    float upSquared = sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo);
    float up = sqrt(upSquared / (sigmaFrom * sigmaFrom));
    float sigmaUp = up < sigmaTo ? up : sigmaTo; // Python's min(sigma_to, up)
    float sigmaDown = sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
    float ancestralT = -log(sigmaDown);
    float keep = exp(-ancestralT) / exp(-t);
    float toward = (float) Math.expm1((double) (t - ancestralT));
    Tensor prev = start.mul(s(keep)).sub(predOriginal.mul(s(toward)));
    // the trees draw on the CPU (torch's CPU generators, as diffusers'): the noise meets prev there
    Tensor w = ComputeDevice.of(prev).place(brownian.sample(sigmaFrom, sigmaTo));
    prev = prev.add(w.mul(s(sigmaUp)));
    release(firstSample);
    firstSample = first ? hold(start.clone()) : null;
    return new StepResult(prev, predOriginal);
  }

  /**
   * diffusers' noise sampler, made at the first step: trees over [smallest nonzero sigma, largest
   * sigma] of the whole schedule (img2img too), seeded per picture.
   */
  private BrownianNoise brownianNoise(Tensor sample, Noise noise) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : sigmas32) {
      if (v > 0) min = Math.min(min, v);
      max = Math.max(max, v);
    }
    long[] seeds = noise.seeds();
    if (seeds == null) {
      Long configured = config.noiseSamplerSeed();
      seeds =
          new long[] {
            configured != null
                ? configured
                : torch
                    .randint(
                        Long.MAX_VALUE, new long[] {}, new TensorOptions(torch.ScalarType.Long))
                    .item_long()
          };
    }
    return new BrownianNoise(min, max, Tensors.shape(sample), seeds);
  }

  @Override
  protected void forgetHistory() {
    firstSample = null;
    brownian = null;
  }
}
