package org.altdiffusion.schedulers;

import java.util.Arrays;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Scopes;
import org.bytedeco.pytorch.Tensor;

/**
 * UniPC (Zhao et al. 2023), as diffusers' UniPCMultistepScheduler: each step first corrects the
 * sample it is given with the new model output (UniC), then predicts the next one from the last
 * outputs (UniP), with the B(h) of variant bh1 ({@code h}) or bh2 ({@code e^h - 1}). Works on x0
 * ({@code predict_x0}, the default) or on epsilon. Deterministic.
 */
public final class UniPCMultistepScheduler extends AbstractScheduler {
  private final float[] trainSigmas;
  private final float[] logTrainSigmas;
  private float[] sigmas32 = new float[0];
  private final Tensor[]
      modelOutputs; // converted outputs of the last solver_order steps, newest last
  private Tensor lastSample;
  private int lowerOrderNums;
  private int thisOrder;

  public UniPCMultistepScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.UNIPC);
    float[] alphasCumprod = schedule.alphasCumprod();
    if (config.rescaleBetasZeroSnr()) alphasCumprod[alphasCumprod.length - 1] = 0x1p-24f;
    trainSigmas = ScheduleMath.trainSigmas(alphasCumprod);
    logTrainSigmas = ScheduleMath.logFloat32(trainSigmas);
    modelOutputs = new Tensor[config.solverOrder()];
  }

  @Override
  protected void computeTimesteps(int steps) {
    double[][] plain =
        DPMSolverMultistepScheduler.multistepSchedule(
            config, steps, config.numTrainTimesteps(), trainSigmas, logTrainSigmas);
    double[] stepSigmas = plain[1];
    double last =
        !config.finalSigmasType().equals("sigma_min")
            ? 0.0
            : config.scheduledSigmas() ? stepSigmas[stepSigmas.length - 1] : trainSigmas[0];
    sigmas32 = new float[stepSigmas.length + 1];
    sigmas = new double[stepSigmas.length + 1];
    for (int i = 0; i < sigmas.length; i++) {
      sigmas32[i] = (float) (i < stepSigmas.length ? stepSigmas[i] : last);
      sigmas[i] = sigmas32[i];
    }
    timesteps = plain[0];
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  private static float lambda(float[] alphaSigma) {
    return log(alphaSigma[0]) - log(alphaSigma[1]);
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    boolean useCorrector =
        stepIndex > 0 && !config.disableCorrector().contains(stepIndex - 1) && lastSample != null;
    Tensor converted = convertModelOutput(modelOutput, stepIndex, sample);
    if (useCorrector) sample = corrector(converted, stepIndex, sample);
    release(modelOutputs[0]);
    for (int k = 0; k < modelOutputs.length - 1; k++) modelOutputs[k] = modelOutputs[k + 1];
    modelOutputs[modelOutputs.length - 1] = hold(converted);
    int order = config.solverOrder();
    int wanted = config.lowerOrderFinal() ? Math.min(order, timesteps.length - stepIndex) : order;
    thisOrder = Math.min(wanted, lowerOrderNums + 1); // warm-up: lower orders first
    release(lastSample);
    lastSample = hold(sample);
    Tensor prev = predictor(stepIndex, sample);
    if (lowerOrderNums < order) lowerOrderNums++;
    return new StepResult(prev, previewX0(converted, stepIndex, sample));
  }

  /** What the solver works on: x0 ({@code predict_x0}) or epsilon. */
  private Tensor convertModelOutput(Tensor modelOutput, int stepIndex, Tensor sample) {
    float[] as = alphaSigma(sigmas32[stepIndex]);
    float alpha = as[0];
    float sigma = as[1];
    String prediction = config.predictionType();
    if (config.predictX0()) {
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
    if (config.predictX0()) return converted;
    float[] as = alphaSigma(sigmas32[stepIndex]);
    return sample.sub(converted.mul(s(as[1]))).div(s(as[0]));
  }

  /**
   * The coefficients both updates share for {@code order} and log-SNR step {@code h}: {@code [0]}
   * the right-hand side b (order values), {@code [1]} {h phi_1(hh), B(h)}.
   */
  private float[][] coefficients(int order, float h) {
    float hh = config.predictX0() ? -h : h;
    float hPhi1 = (float) Math.expm1(hh);
    float hPhiK = hPhi1 / hh - 1f;
    float bh = config.solverType().equals("bh1") ? hh : (float) Math.expm1(hh);
    float[] b = new float[order];
    long factorial = 1;
    for (int k = 1; k <= order; k++) {
      b[k - 1] = hPhiK * factorial / bh;
      factorial *= k + 1;
      hPhiK = hPhiK / hh - (float) (1.0 / factorial);
    }
    return new float[][] {b, {hPhi1, bh}};
  }

  /** R[k][j] = rks[j]^k: the Vandermonde system of the ratios (the last ratio is 1). */
  private static float[][] vandermonde(float[] rks, int size) {
    float[][] r = new float[size][size];
    for (int k = 0; k < size; k++) {
      for (int j = 0; j < size; j++) r[k][j] = k == 0 ? 1f : k == 1 ? rks[j] : pow(rks[j], k);
    }
    return r;
  }

  private static float pow(float x, int k) {
    return (float) Math.pow(x, k);
  }

  /** UniP: the next sample from the corrected {@code sample} and the last outputs. */
  private Tensor predictor(int i, Tensor sample) {
    int order = thisOrder;
    Tensor m0 = modelOutputs[modelOutputs.length - 1];
    float[] t = alphaSigma(sigmas32[i + 1]);
    float[] s0 = alphaSigma(sigmas32[i]);
    float lambdaS0 = lambda(s0);
    float h = lambda(t) - lambdaS0;
    float[] rks = new float[order];
    Tensor[] d1s = new Tensor[order - 1];
    for (int k = 1; k < order; k++) {
      rks[k - 1] = (lambda(alphaSigma(sigmas32[i - k])) - lambdaS0) / h;
      d1s[k - 1] = modelOutputs[modelOutputs.length - 1 - k].sub(m0).div(s(rks[k - 1]));
    }
    rks[order - 1] = 1f;
    float[][] c = coefficients(order, h);
    Tensor residual = null;
    if (order > 1) {
      float[] rhos =
          order == 2
              ? new float[] {0.5f}
              : solve(vandermonde(rks, order - 1), Arrays.copyOf(c[0], order - 1));
      residual = combine(rhos, d1s, order - 1);
    }
    return update(t, s0, sample, m0, c[1], residual);
  }

  /** UniC: {@code sample} corrected with the output {@code modelT} computed at it. */
  private Tensor corrector(Tensor modelT, int i, Tensor sample) {
    int order = thisOrder;
    Tensor m0 = modelOutputs[modelOutputs.length - 1];
    float[] t = alphaSigma(sigmas32[i]);
    float[] s0 = alphaSigma(sigmas32[i - 1]);
    float lambdaS0 = lambda(s0);
    float h = lambda(t) - lambdaS0;
    float[] rks = new float[order];
    Tensor[] d1s = new Tensor[order - 1];
    for (int k = 1; k < order; k++) {
      rks[k - 1] = (lambda(alphaSigma(sigmas32[i - (k + 1)])) - lambdaS0) / h;
      d1s[k - 1] = modelOutputs[modelOutputs.length - 1 - k].sub(m0).div(s(rks[k - 1]));
    }
    rks[order - 1] = 1f;
    float[][] c = coefficients(order, h);
    float[] rhos = order == 1 ? new float[] {0.5f} : solve(vandermonde(rks, order), c[0]);
    Tensor residual = modelT.sub(m0).mul(s(rhos[order - 1]));
    if (order > 1) residual = combine(rhos, d1s, order - 1).add(residual);
    return update(t, s0, lastSample, m0, c[1], residual);
  }

  /** {@code sum_k rhos[k] * d[k]} over the first {@code count} terms. */
  private static Tensor combine(float[] rhos, Tensor[] d, int count) {
    Tensor sum = d[0].mul(s(rhos[0]));
    for (int k = 1; k < count; k++) sum = sum.add(d[k].mul(s(rhos[k])));
    return sum;
  }

  /** The shared exponential-integrator update from {@code x} at s0 to t, plus B(h) * residual. */
  private Tensor update(float[] t, float[] s0, Tensor x, Tensor m0, float[] phiB, Tensor residual) {
    float hPhi1 = phiB[0];
    float bh = phiB[1];
    Tensor out;
    float scale;
    if (config.predictX0()) {
      out = x.mul(s(t[1] / s0[1])).sub(m0.mul(s(t[0] * hPhi1)));
      scale = t[0] * bh;
    } else {
      out = x.mul(s(t[0] / s0[0])).sub(m0.mul(s(t[1] * hPhi1)));
      scale = t[1] * bh;
    }
    return residual == null ? out : out.sub(residual.mul(s(scale)));
  }

  /**
   * {@code torch.linalg.solve} of a small float32 system as LAPACK's getrf/getrs do it: LU with
   * partial pivoting (the column scaled by the pivot's reciprocal), then the two triangular solves.
   */
  static float[] solve(float[][] a, float[] b) {
    int n = b.length;
    float[][] m = new float[n][];
    for (int i = 0; i < n; i++) m[i] = a[i].clone();
    float[] x = b.clone();
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++)
        if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
      float[] row = m[col];
      m[col] = m[pivot];
      m[pivot] = row;
      float xb = x[col];
      x[col] = x[pivot];
      x[pivot] = xb;
      float reciprocal = 1f / m[col][col];
      for (int r = col + 1; r < n; r++) {
        m[r][col] *= reciprocal;
        for (int j = col + 1; j < n; j++) m[r][j] -= m[r][col] * m[col][j];
      }
    }
    for (int r = 1; r < n; r++) for (int j = 0; j < r; j++) x[r] -= m[r][j] * x[j];
    for (int r = n - 1; r >= 0; r--) {
      x[r] /= m[r][r];
      for (int j = 0; j < r; j++) x[j] -= x[r] * m[j][r];
    }
    return x;
  }

  @Override
  public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
    checkIndex(stepIndex);
    float[] as = alphaSigma(sigmas32[stepIndex]);
    return Scopes.keep(() -> original.mul(s(as[0])).add(noise.mul(s(as[1]))));
  }

  @Override
  protected void forgetHistory() {
    Arrays.fill(modelOutputs, null);
    lastSample = null;
    lowerOrderNums = 0;
    thisOrder = 0;
  }
}
