package org.altdiffusion.schedulers;

import java.util.function.DoubleUnaryOperator;

/**
 * The numpy / scipy pieces diffusers builds its schedules with, reproduced operation by operation
 * so that timesteps come out identical (numpy rounds half to even, fills {@code arange} from its
 * first step, interpolates with its own slope formula).
 */
final class ScheduleMath {
  private ScheduleMath() {}

  /** {@code np.linspace(start, stop, num)} in float64 (endpoint included). */
  static double[] linspace(double start, double stop, int num) {
    double[] y = new double[num];
    int div = num - 1;
    double delta = stop - start;
    double step = div > 0 ? delta / div : Double.NaN;
    for (int i = 0; i < num; i++) {
      if (div > 0) {
        y[i] = step == 0 ? (i / (double) div) * delta + start : i * step + start;
      } else {
        y[i] = i * delta + start;
      }
    }
    if (num > 1) y[num - 1] = stop;
    return y;
  }

  /**
   * {@code np.arange(start, stop, step)} for floats: numpy fills {@code start + i * (first step)}.
   */
  static double[] arange(double start, double stop, double step) {
    int length = (int) Math.max(0, Math.ceil((stop - start) / step));
    double[] y = new double[length];
    if (length == 0) return y;
    y[0] = start;
    if (length > 1) y[1] = start + step;
    double delta = (start + step) - start;
    for (int i = 2; i < length; i++) y[i] = start + i * delta;
    return y;
  }

  /** {@code np.round}: half to even. */
  static double round(double x) {
    return Math.rint(x);
  }

  static double[] round(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) y[i] = Math.rint(x[i]);
    return y;
  }

  /**
   * The whole-number timesteps of DDIM and DDPM for the config's spacing, highest first: linspace
   * rounds {@code np.linspace(0, T - 1, steps)}, leading adds steps_offset to multiples of {@code T
   * // steps}, trailing rounds {@code np.arange(T, 0, -T / steps) - 1}.
   */
  static double[] integerTimesteps(SchedulerConfig config, int steps) {
    int train = config.numTrainTimesteps();
    return switch (config.timestepSpacing()) {
      case "linspace" -> reverse(round(linspace(0, train - 1, steps)));
      case "leading" -> {
        int ratio = train / steps;
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++)
          t[i] = (double) (steps - 1 - i) * ratio + config.stepsOffset();
        yield t;
      }
      case "trailing" -> {
        double[] t = round(arange(train, 0, -(double) train / steps));
        for (int i = 0; i < t.length; i++) t[i] -= 1;
        yield t;
      }
      default -> throw new IllegalStateException(config.timestepSpacing());
    };
  }

  static double[] reverse(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) y[i] = x[x.length - 1 - i];
    return y;
  }

  /** Each value rounded to float32, as {@code .astype(np.float32)}. */
  static double[] toFloat32(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) y[i] = (float) x[i];
    return y;
  }

  /** {@code np.interp(x, np.arange(len(fp)), fp)}: piecewise-linear, clamped at both ends. */
  static double[] interp(double[] x, float[] fp) {
    double[] y = new double[x.length];
    int last = fp.length - 1;
    for (int i = 0; i < x.length; i++) {
      double v = x[i];
      if (Double.isNaN(v)) {
        y[i] = v;
      } else if (v >= last) {
        y[i] = fp[last];
      } else if (v <= 0) {
        y[i] = fp[0];
      } else {
        int j = (int) Math.floor(v);
        if (v == j) {
          y[i] = fp[j];
        } else {
          double slope = ((double) fp[j + 1] - fp[j]) / 1.0;
          y[i] = slope * (v - j) + fp[j];
        }
      }
    }
    return y;
  }

  /** The noise levels of Karras et al. (2022), rho 7, from sigmaMax down to sigmaMin. */
  static double[] karras(double sigmaMin, double sigmaMax, int steps) {
    double rho = 7.0;
    double[] ramp = linspace(0, 1, steps);
    double minInvRho = Math.pow(sigmaMin, 1 / rho);
    double maxInvRho = Math.pow(sigmaMax, 1 / rho);
    double[] sigmas = new double[steps];
    for (int i = 0; i < steps; i++)
      sigmas[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
    return sigmas;
  }

  /** Log-sigmas evenly spaced (Lu et al., DPM-Solver++), from lambdaMax down to lambdaMin. */
  static double[] luLambdas(double lambdaMin, double lambdaMax, int steps) {
    double[] ramp = linspace(0, 1, steps);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) out[i] = lambdaMax + ramp[i] * (lambdaMin - lambdaMax);
    return out;
  }

  /** {@code np.log} of float32 sigmas, kept in float32 as numpy does. */
  static float[] logFloat32(float[] sigmas) {
    float[] out = new float[sigmas.length];
    for (int i = 0; i < sigmas.length; i++) out[i] = (float) Math.log(sigmas[i]);
    return out;
  }

  /**
   * The fractional train timestep whose log-sigma is {@code log(sigma)}: linear interpolation
   * between the neighbouring train log-sigmas (ascending in t), as diffusers' {@code _sigma_to_t}.
   */
  static double sigmaToT(double sigma, float[] logSigmas) {
    double logSigma = Math.log(Math.max(sigma, 1e-10));
    // low = the last index whose log-sigma is <= log(sigma), clipped to leave a right neighbour.
    int count = 0;
    for (float ls : logSigmas) if (logSigma - ls >= 0) count++;
    int low = Math.min(Math.max(count - 1, 0), logSigmas.length - 2);
    int high = low + 1;
    float lo = logSigmas[low];
    float hi = logSigmas[high];
    float span = lo - hi; // numpy subtracts the two float32 values in float32
    double w = (lo - logSigma) / span;
    w = Math.min(Math.max(w, 0), 1);
    return (1 - w) * low + w * high;
  }

  /**
   * {@link #sigmaToT} in float32 throughout, as diffusers runs it on a float32 tensor sigma (DPM2's
   * midpoints): log, weight and blend each rounded to float32.
   */
  static double sigmaToTFloat32(float sigma, float[] logSigmas) {
    float logSigma = (float) Math.log(Math.max(sigma, 1e-10f));
    int count = 0;
    for (float ls : logSigmas) if (logSigma - ls >= 0) count++;
    int low = Math.min(Math.max(count - 1, 0), logSigmas.length - 2);
    int high = low + 1;
    float lo = logSigmas[low];
    float w = (lo - logSigma) / (lo - logSigmas[high]);
    w = Math.min(Math.max(w, 0f), 1f);
    return (1f - w) * low + w * high;
  }

  /**
   * sqrt((1 - ᾱ) / ᾱ) per train timestep, in float32: the noise level of the variance-exploding
   * form.
   */
  static float[] trainSigmas(float[] alphasCumprod) {
    float[] s = new float[alphasCumprod.length];
    for (int i = 0; i < s.length; i++)
      s[i] = (float) Math.sqrt((1f - alphasCumprod[i]) / alphasCumprod[i]);
    return s;
  }

  // Gauss-Kronrod 21-point rule (QUADPACK qk21): Kronrod abscissae (xgk[1,3,..,9] are the Gauss
  // 10-point nodes), Kronrod weights, and Gauss weights.
  private static final double[] XGK = {
    0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
    0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
    0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
    0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
    0.294392862701460198131126603103866, 0.148874338981631210884826001129720,
    0.0
  };
  private static final double[] WGK = {
    0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
    0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
    0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
    0.123491976262065851077208626094785, 0.134709217311473325928054001771707,
    0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
    0.149445554002916905664936468389821
  };
  private static final double[] WG = {
    0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
    0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
    0.295524224714752870173892994651338
  };
  private static final double EPMACH = Math.ulp(1.0);
  private static final double UFLOW = Double.MIN_NORMAL;

  /**
   * One 21-point Gauss-Kronrod estimate on [a, b]: {result, error estimate}, summed as QUADPACK.
   */
  static double[] gaussKronrod21(DoubleUnaryOperator f, double a, double b) {
    double centre = 0.5 * (a + b);
    double halfLength = 0.5 * (b - a);
    double absHalf = Math.abs(halfLength);
    double fc = f.applyAsDouble(centre);
    double resG = 0;
    double resK = WGK[10] * fc;
    double resAbs = Math.abs(resK);
    double[] fv1 = new double[10];
    double[] fv2 = new double[10];
    for (int j = 0; j < 5; j++) {
      int jtw = 2 * j + 1;
      double absc = halfLength * XGK[jtw];
      double f1 = f.applyAsDouble(centre - absc);
      double f2 = f.applyAsDouble(centre + absc);
      fv1[jtw] = f1;
      fv2[jtw] = f2;
      double sum = f1 + f2;
      resG += WG[j] * sum;
      resK += WGK[jtw] * sum;
      resAbs += WGK[jtw] * (Math.abs(f1) + Math.abs(f2));
    }
    for (int j = 0; j < 5; j++) {
      int jtwm1 = 2 * j;
      double absc = halfLength * XGK[jtwm1];
      double f1 = f.applyAsDouble(centre - absc);
      double f2 = f.applyAsDouble(centre + absc);
      fv1[jtwm1] = f1;
      fv2[jtwm1] = f2;
      double sum = f1 + f2;
      resK += WGK[jtwm1] * sum;
      resAbs += WGK[jtwm1] * (Math.abs(f1) + Math.abs(f2));
    }
    double resKh = resK * 0.5;
    double resAsc = WGK[10] * Math.abs(fc - resKh);
    for (int j = 0; j < 10; j++)
      resAsc += WGK[j] * (Math.abs(fv1[j] - resKh) + Math.abs(fv2[j] - resKh));
    double result = resK * halfLength;
    resAbs *= absHalf;
    resAsc *= absHalf;
    double err = Math.abs((resK - resG) * halfLength);
    if (resAsc != 0 && err != 0) err = resAsc * Math.min(1, Math.pow(200 * err / resAsc, 1.5));
    if (resAbs > UFLOW / (50 * EPMACH)) err = Math.max(EPMACH * 50 * resAbs, err);
    return new double[] {result, err};
  }

  /**
   * Adaptive quadrature of {@code f} over [a, b] to relative tolerance {@code epsRel} (absolute
   * 1.49e-8, scipy's default): 21-point Gauss-Kronrod, bisecting the interval with the largest
   * error estimate until the total error is small enough. Smooth integrands (the LMS polynomials)
   * finish on the first estimate, exactly as scipy.integrate.quad does.
   */
  static double integrate(DoubleUnaryOperator f, double a, double b, double epsRel) {
    final double epsAbs = 1.49e-8;
    final int limit = 50;
    double[] lo = new double[limit];
    double[] hi = new double[limit];
    double[] val = new double[limit];
    double[] err = new double[limit];
    double[] first = gaussKronrod21(f, a, b);
    lo[0] = a;
    hi[0] = b;
    val[0] = first[0];
    err[0] = first[1];
    int n = 1;
    while (true) {
      double total = 0;
      double totalErr = 0;
      int worst = 0;
      for (int i = 0; i < n; i++) {
        total += val[i];
        totalErr += err[i];
        if (err[i] > err[worst]) worst = i;
      }
      if (totalErr <= Math.max(epsAbs, epsRel * Math.abs(total)) || n == limit) return total;
      double mid = 0.5 * (lo[worst] + hi[worst]);
      double[] left = gaussKronrod21(f, lo[worst], mid);
      double[] right = gaussKronrod21(f, mid, hi[worst]);
      lo[n] = mid;
      hi[n] = hi[worst];
      val[n] = right[0];
      err[n] = right[1];
      hi[worst] = mid;
      val[worst] = left[0];
      err[worst] = left[1];
      n++;
    }
  }
}
