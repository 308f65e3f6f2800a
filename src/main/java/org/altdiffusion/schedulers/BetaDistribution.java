package org.altdiffusion.schedulers;

/**
 * The beta distribution's cumulative distribution and its inverse (scipy's {@code
 * stats.beta.cdf}/{@code ppf}) in double precision, for A1111's Beta schedule: the regularized
 * incomplete beta function by its continued fraction (modified Lentz), inverted by bisection and
 * polished by Newton steps kept inside the bracket.
 */
final class BetaDistribution {
  private BetaDistribution() {}

  // Lanczos approximation, g = 7, 9 terms (relative error about 1e-15 for positive arguments).
  private static final double[] LANCZOS = {
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7
  };

  /** log Γ(x) for x > 0. */
  static double logGamma(double x) {
    if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
    double z = x - 1;
    double sum = LANCZOS[0];
    double t = z + 7.5;
    for (int i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
    return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
  }

  /** The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]. */
  static double cdf(double x, double a, double b) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double logFront =
        logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
    // The continued fraction converges fast below the mean; above it, use I_x(a,b) = 1 -
    // I_1-x(b,a).
    if (x < (a + 1) / (a + b + 2)) return Math.exp(logFront) * continuedFraction(x, a, b) / a;
    return 1 - Math.exp(logFront) * continuedFraction(1 - x, b, a) / b;
  }

  /** The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz). */
  private static double continuedFraction(double x, double a, double b) {
    final double tiny = 1e-300;
    double qab = a + b;
    double qap = a + 1;
    double qam = a - 1;
    double c = 1;
    double d = 1 - qab * x / qap;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
      int m2 = 2 * m;
      double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      double delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < 1e-16) return h;
    }
    throw new ArithmeticException("incomplete beta did not converge at x=" + x);
  }

  /** The density x^(a-1) (1-x)^(b-1) / B(a, b). */
  static double pdf(double x, double a, double b) {
    if (x <= 0 || x >= 1) return 0;
    return Math.exp(
        (a - 1) * Math.log(x)
            + (b - 1) * Math.log1p(-x)
            - (logGamma(a) + logGamma(b) - logGamma(a + b)));
  }

  /**
   * The quantile (inverse CDF) at probability {@code q} in [0, 1], as scipy's {@code
   * stats.beta.ppf(q, a, b)}: 0 at q = 0, 1 at q = 1.
   */
  static double ppf(double q, double a, double b) {
    if (!(a > 0 && b > 0)) throw new IllegalArgumentException("beta needs a, b > 0");
    if (!(q >= 0 && q <= 1)) throw new IllegalArgumentException("q must lie in [0, 1], got " + q);
    if (q == 0) return 0;
    if (q == 1) return 1;
    double lo = 0;
    double hi = 1;
    double x = 0.5;
    // Bisection to a relative bracket of 1e-9, then Newton steps inside the bracket.
    for (int i = 0; i < 2000 && hi - lo > 1e-9 * Math.max(lo, Double.MIN_NORMAL); i++) {
      x = 0.5 * (lo + hi);
      if (cdf(x, a, b) < q) lo = x;
      else hi = x;
    }
    x = 0.5 * (lo + hi);
    for (int i = 0; i < 50; i++) {
      double f = cdf(x, a, b) - q;
      if (f < 0) lo = x;
      else hi = x;
      double next = x - f / pdf(x, a, b);
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (Math.abs(next - x) <= 2 * Math.ulp(x)) return next;
      x = next;
    }
    return x;
  }
}
