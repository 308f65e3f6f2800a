package org.altdiffusion.schedulers;

import java.util.List;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AUTOMATIC1111's schedule types as k-diffusion and A1111 1.10 compute them ({@code
 * k_diffusion.sampling.get_sigmas_*}, {@code modules/sd_schedulers.py}): {@code n} noise levels
 * from the model's largest to its smallest sigma plus a final one (0, except KL Optimal's, which
 * ends at sigma_min). The float32 ones run the same libtorch operations as k-diffusion so that they
 * round the same way; Beta and Align Your Steps are numpy/scipy float64, rounded to float32 at the
 * end as A1111's {@code torch.FloatTensor} does.
 */
final class KDiffusionSchedules {
  private KDiffusionSchedules() {}

  /** The values of our {@code sigma_schedule} config key, A1111's scheduler names. */
  static final List<String> NAMES =
      List.of(
          "uniform", "exponential", "polyexponential", "beta", "align_your_steps", "kl_optimal");

  /** A1111's {@code beta_dist_alpha} / {@code beta_dist_beta} defaults. */
  static final double BETA_ALPHA = 0.6;

  static final double BETA_BETA = 0.6;

  /** A1111's Align Your Steps sigmas for SD 1.x (NVIDIA's published 10-step schedule). */
  private static final double[] AYS_SD15 = {
    14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029
  };

  /**
   * The {@code n + 1} sigmas of schedule {@code name} ({@link #NAMES} or "karras") for a model
   * whose train sigmas are {@code modelSigmas} (ascending).
   */
  static float[] sigmas(String name, int n, float[] modelSigmas) {
    double min = modelSigmas[0];
    double max = modelSigmas[modelSigmas.length - 1];
    return switch (name) {
      case "karras" -> karras(n, min, max, 7.0);
      case "uniform" -> uniform(n, modelSigmas);
      case "exponential" -> exponential(n, min, max);
      case "polyexponential" -> polyexponential(n, min, max, 1.0);
      case "beta" -> beta(n, min, max, BETA_ALPHA, BETA_BETA);
      case "align_your_steps" -> alignYourSteps(n);
      case "kl_optimal" -> klOptimal(n, min, max);
      default -> throw new IllegalArgumentException("unknown sigma schedule " + name);
    };
  }

  /**
   * The first {@code n} sigmas of {@link #sigmas} as float64 values, for the diffusers samplers,
   * which take a schedule's step sigmas in place of their Karras ones and add their own final
   * sigma.
   */
  static double[] stepSigmas(String name, int n, float[] modelSigmas) {
    float[] all = sigmas(name, n, modelSigmas);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) out[i] = all[i];
    return out;
  }

  /**
   * The step sigmas a diffusers sampler takes on its Karras path: the {@code sigma_schedule}'s
   * (over the model's sigma range) when set, else Karras' from {@code karrasMin} to {@code
   * karrasMax} as diffusers computes them.
   */
  static double[] diffusersStepSigmas(
      SchedulerConfig config, double karrasMin, double karrasMax, int steps, float[] trainSigmas) {
    if (config.sigmaSchedule() != null)
      return stepSigmas(config.sigmaSchedule(), steps, trainSigmas);
    return ScheduleMath.karras(karrasMin, karrasMax, steps);
  }

  /** k-diffusion's {@code get_sigmas_karras} (float32 torch arithmetic), plus a final 0. */
  static float[] karras(int n, double sigmaMin, double sigmaMax, double rho) {
    double minInvRho = Math.pow(sigmaMin, 1 / rho);
    double maxInvRho = Math.pow(sigmaMax, 1 / rho);
    return withZero(
        torchValues(
            () ->
                linspace(0, 1, n)
                    .mul(new Scalar(minInvRho - maxInvRho))
                    .add(new Scalar(maxInvRho))
                    .pow(new Scalar(rho))));
  }

  /** k-diffusion's {@code get_sigmas_exponential}: evenly spaced in log sigma, plus a final 0. */
  static float[] exponential(int n, double sigmaMin, double sigmaMax) {
    return withZero(torchValues(() -> linspace(Math.log(sigmaMax), Math.log(sigmaMin), n).exp()));
  }

  /**
   * k-diffusion's {@code get_sigmas_polyexponential}: a polynomial in log sigma, plus a final 0.
   */
  static float[] polyexponential(int n, double sigmaMin, double sigmaMax, double rho) {
    double logMin = Math.log(sigmaMin);
    double span = Math.log(sigmaMax) - logMin;
    return withZero(
        torchValues(
            () ->
                linspace(1, 0, n)
                    .pow(new Scalar(rho))
                    .mul(new Scalar(span))
                    .add(new Scalar(logMin))
                    .exp()));
  }

  /**
   * A1111's {@code kl_optimal}: {@code tan} of a linear blend of {@code atan(sigma_max)} and {@code
   * atan(sigma_min)} over {@code n + 1} points (its last is sigma_min, not 0).
   */
  static float[] klOptimal(int n, double sigmaMin, double sigmaMax) {
    return torchValues(
        () -> {
          Tensor alphaMin = torch.atan(scalarTensor((float) sigmaMin));
          Tensor alphaMax = torch.atan(scalarTensor((float) sigmaMax));
          Tensor ratio = torch.arange(new Scalar(n + 1)).div(new Scalar(n)); // [n + 1] float32
          Tensor oneMinus = ratio.neg().add(new Scalar(1.0));
          return torch.tan(ratio.mul(alphaMin).add(oneMinus.mul(alphaMax)));
        });
  }

  /**
   * A1111's {@code beta_scheduler}: {@code sigma_min + ppf(1 - linspace(0, 1, n)) * (sigma_max -
   * sigma_min)} with the Beta(alpha, beta) quantile, plus a final 0.
   */
  static float[] beta(int n, double sigmaMin, double sigmaMax, double alpha, double beta) {
    double[] ramp = ScheduleMath.linspace(0, 1, n);
    float[] out = new float[n + 1];
    for (int i = 0; i < n; i++) {
      double x = BetaDistribution.ppf(1 - ramp[i], alpha, beta);
      out[i] = (float) (sigmaMin + x * (sigmaMax - sigmaMin));
    }
    return out;
  }

  /**
   * A1111's {@code get_align_your_steps_sigmas} for SD 1.x: the 10-step table itself for 10 steps,
   * else its log-linear interpolation to {@code n} points, plus a final 0.
   */
  static float[] alignYourSteps(int n) {
    int k = AYS_SD15.length;
    float[] out = new float[n + 1];
    if (n == k) {
      for (int i = 0; i < k; i++) out[i] = (float) AYS_SD15[i];
      return out;
    }
    double[] xs = ScheduleMath.linspace(0, 1, k);
    double[] ys = new double[k];
    for (int i = 0; i < k; i++) ys[i] = Math.log(AYS_SD15[k - 1 - i]); // ascending
    double[] newXs = ScheduleMath.linspace(0, 1, n);
    for (int i = 0; i < n; i++) out[n - 1 - i] = (float) Math.exp(interp(newXs[i], xs, ys));
    return out;
  }

  /**
   * k-diffusion's {@code DiscreteSchedule.get_sigmas(n)} (A1111's Uniform): timesteps {@code
   * linspace(T - 1, 0, n)} in float32, their sigmas interpolated in log sigma, plus a final 0.
   */
  static float[] uniform(int n, float[] modelSigmas) {
    float[] logSigmas = logSigmas(modelSigmas);
    float[] t = torchValues(() -> linspace(modelSigmas.length - 1, 0, n));
    float[] logSigma = new float[n];
    for (int i = 0; i < n; i++) logSigma[i] = tToLogSigma(t[i], logSigmas);
    return withZero(torchValues(() -> Tensors.fromFloats(logSigma, n).exp()));
  }

  /** {@code log} of the model sigmas as torch computes it (float32). */
  static float[] logSigmas(float[] modelSigmas) {
    return torchValues(() -> Tensors.fromFloats(modelSigmas, modelSigmas.length).log());
  }

  /**
   * k-diffusion's {@code sigma_to_t} in float32: the fractional train timestep whose log sigma
   * interpolates linearly between its neighbours'.
   */
  static float sigmaToT(float sigma, float[] logSigmas) {
    float logSigma = (float) Math.log(sigma);
    int count = 0;
    for (float ls : logSigmas) if (logSigma - ls >= 0) count++;
    int low = Math.min(Math.max(count - 1, 0), logSigmas.length - 2);
    float lo = logSigmas[low];
    float hi = logSigmas[low + 1];
    float w = (lo - logSigma) / (lo - hi);
    w = Math.min(Math.max(w, 0f), 1f);
    return (1f - w) * low + w * (low + 1);
  }

  /** k-diffusion's {@code t_to_sigma} before its exp: the log sigma at fractional timestep t. */
  private static float tToLogSigma(float t, float[] logSigmas) {
    int low = (int) Math.floor(t);
    int high = (int) Math.ceil(t);
    float w = t - (float) Math.floor(t);
    return (1f - w) * logSigmas[low] + w * logSigmas[high];
  }

  /** numpy's {@code interp(x, xp, fp)} for ascending {@code xp}, clamped at both ends. */
  private static double interp(double x, double[] xp, double[] fp) {
    int last = xp.length - 1;
    if (x <= xp[0]) return fp[0];
    if (x >= xp[last]) return fp[last];
    int j = 0;
    while (xp[j + 1] <= x) j++;
    double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    return slope * (x - xp[j]) + fp[j];
  }

  private static Tensor linspace(double start, double end, int n) {
    return torch.linspace(new Scalar(start), new Scalar(end), n, Tensors.floatOptions());
  }

  private static Tensor scalarTensor(float v) {
    return Tensors.fromFloats(new float[] {v}, 1);
  }

  private static float[] torchValues(java.util.function.Supplier<Tensor> body) {
    float[][] out = new float[1][];
    Scopes.run(() -> out[0] = Tensors.toFloats(body.get()));
    return out[0];
  }

  private static float[] withZero(float[] sigmas) {
    return java.util.Arrays.copyOf(sigmas, sigmas.length + 1);
  }
}
