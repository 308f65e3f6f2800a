package org.altdiffusion.schedulers;

import java.util.Arrays;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The training noise schedule: betas and {@code alphas_cumprod} over the train timesteps, computed
 * in float32 with the same libtorch ops as diffusers (so the values are identical), and the forward
 * process the training code needs: {@link #addNoise} and the v-prediction target {@link
 * #getVelocity}.
 */
public final class NoiseSchedule {
  private final float[] betas;
  private final float[] alphasCumprod;

  private NoiseSchedule(float[] betas, float[] alphasCumprod) {
    this.betas = betas;
    this.alphasCumprod = alphasCumprod;
  }

  /**
   * The schedule {@code config} describes (beta_schedule or trained_betas, rescale_betas_zero_snr).
   */
  public static NoiseSchedule of(SchedulerConfig config) {
    float[][] out = new float[2][];
    Scopes.run(
        () -> {
          Tensor betas = betas(config);
          if (config.rescaleBetasZeroSnr()) betas = rescaleZeroTerminalSnr(betas);
          Tensor alphas = betas.neg().add(Tensors.scalar(1.0)); // 1 - betas
          out[0] = Tensors.toFloats(betas);
          out[1] = Tensors.toFloats(torch.cumprod(alphas, 0));
        });
    for (float b : out[0]) {
      if (!(b >= 0 && b <= 1)) {
        throw SchedulerConfig.error(
            config,
            config.trainedBetas() != null ? "trained_betas" : "beta_start",
            "betas must lie in [0, 1], got " + b);
      }
    }
    return new NoiseSchedule(out[0], out[1]);
  }

  private static Tensor betas(SchedulerConfig c) {
    int n = c.numTrainTimesteps();
    if (c.trainedBetas() != null) {
      float[] b = new float[n];
      for (int i = 0; i < n; i++) b[i] = (float) c.trainedBetas()[i];
      return Tensors.fromFloats(b, n);
    }
    return switch (c.betaSchedule()) {
      case "linear" ->
          torch.linspace(
              Tensors.scalar(c.betaStart()),
              Tensors.scalar(c.betaEnd()),
              n,
              Tensors.floatOptions());
      case "scaled_linear" ->
          torch
              .linspace(
                  Tensors.scalar(Math.sqrt(c.betaStart())),
                  Tensors.scalar(Math.sqrt(c.betaEnd())),
                  n,
                  Tensors.floatOptions())
              .square();
      case "squaredcos_cap_v2" -> Tensors.fromFloats(cosineBetas(n), n);
      default -> throw new IllegalStateException(c.betaSchedule());
    };
  }

  /**
   * Betas of the "squaredcos_cap_v2" schedule (Nichol & Dhariwal), computed in double like
   * diffusers.
   */
  private static float[] cosineBetas(int n) {
    float[] b = new float[n];
    for (int i = 0; i < n; i++) {
      double t1 = (double) i / n;
      double t2 = (double) (i + 1) / n;
      b[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
    }
    return b;
  }

  private static double alphaBar(double t) {
    double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  /**
   * Rescales betas so the last timestep has zero SNR (Lin et al. 2023, Algorithm 1), in float32.
   */
  private static Tensor rescaleZeroTerminalSnr(Tensor betas) {
    Tensor alphasBarSqrt = torch.cumprod(betas.neg().add(Tensors.scalar(1.0)), 0).sqrt();
    long n = alphasBarSqrt.size(0);
    Tensor first = alphasBarSqrt.select(0, 0).clone();
    Tensor last = alphasBarSqrt.select(0, n - 1).clone();
    alphasBarSqrt = alphasBarSqrt.sub(last).mul(first.div(first.sub(last)));
    Tensor alphasBar = alphasBarSqrt.square();
    Tensor alphas =
        alphasBar.narrow(0, 1, n - 1).div(alphasBar.narrow(0, 0, n - 1)); // undo the cumprod
    alphas = torch.cat(new TensorVector(alphasBar.narrow(0, 0, 1), alphas), 0);
    return alphas.neg().add(Tensors.scalar(1.0));
  }

  public int numTrainTimesteps() {
    return betas.length;
  }

  /** A copy of the betas (float32 values). */
  public float[] betas() {
    return betas.clone();
  }

  /** A copy of {@code alphas_cumprod} (float32 values), indexed by train timestep. */
  public float[] alphasCumprod() {
    return alphasCumprod.clone();
  }

  float alphaCumprod(int timestep) {
    return alphasCumprod[timestep];
  }

  /**
   * The forward process {@code sqrt(ᾱ_t) x + sqrt(1 - ᾱ_t) ε} as diffusers' DDPM/DDIM/PNDM {@code
   * add_noise}: one train timestep per batch element (or one for all).
   */
  public Tensor addNoise(Tensor original, Tensor noise, long... timesteps) {
    return mix(original, noise, timesteps, false);
  }

  /**
   * {@link #addNoise} with the timesteps as an int64 tensor [B], as the training loop draws them.
   */
  public Tensor addNoise(Tensor original, Tensor noise, Tensor timesteps) {
    return addNoise(original, noise, Tensors.toLongs(timesteps));
  }

  /**
   * The v-prediction target {@code sqrt(ᾱ_t) ε - sqrt(1 - ᾱ_t) x} (diffusers {@code get_velocity}).
   */
  public Tensor getVelocity(Tensor sample, Tensor noise, long... timesteps) {
    return mix(noise, sample, timesteps, true);
  }

  public Tensor getVelocity(Tensor sample, Tensor noise, Tensor timesteps) {
    return getVelocity(sample, noise, Tensors.toLongs(timesteps));
  }

  /** {@code sqrt(ᾱ_t) a ± sqrt(1 - ᾱ_t) b} with per-batch-element coefficients. */
  private Tensor mix(Tensor a, Tensor b, long[] timesteps, boolean subtract) {
    long[] shape = Tensors.shape(a);
    if (!Arrays.equals(shape, Tensors.shape(b))) {
      throw new IllegalArgumentException(
          "sample and noise shapes differ: "
              + Tensors.shapeString(a)
              + " vs "
              + Tensors.shapeString(b));
    }
    if (shape.length == 0 || (timesteps.length != 1 && timesteps.length != shape[0])) {
      throw new IllegalArgumentException(
          "need one timestep or one per batch element ("
              + (shape.length == 0 ? 0 : shape[0])
              + "), got "
              + timesteps.length);
    }
    // Coefficients in the sample's precision, as diffusers casts alphas_cumprod to the sample dtype
    // before the square roots (float32 roots equal the rounded double roots).
    boolean wide = a.scalar_type().value == torch.ScalarType.Double.value;
    double[] signal = new double[timesteps.length];
    double[] noiseLevel = new double[timesteps.length];
    for (int i = 0; i < timesteps.length; i++) {
      long t = timesteps[i];
      if (t < 0 || t >= alphasCumprod.length) {
        throw new IllegalArgumentException(
            "timestep " + t + " outside [0, " + (alphasCumprod.length - 1) + "]");
      }
      float ac = alphasCumprod[(int) t];
      signal[i] = wide ? Math.sqrt(ac) : (float) Math.sqrt(ac);
      noiseLevel[i] = wide ? Math.sqrt(1.0 - ac) : (float) Math.sqrt(1f - ac);
    }
    long[] coefShape = new long[shape.length];
    Arrays.fill(coefShape, 1);
    coefShape[0] = timesteps.length; // [B, 1, 1, 1]
    return Scopes.keep(
        () -> {
          torch.ScalarType type =
              wide
                  ? torch.ScalarType.Double
                  : torch.ScalarType.Float; // float32 values convert exactly
          Tensor x = Tensors.fromDoubles(signal, coefShape).to(a.device(), type).mul(a);
          Tensor y = Tensors.fromDoubles(noiseLevel, coefShape).to(a.device(), type).mul(b);
          return subtract ? x.sub(y) : x.add(y);
        });
  }

  @Override
  public String toString() {
    return "NoiseSchedule["
        + betas.length
        + " steps, beta "
        + betas[0]
        + " -> "
        + betas[betas.length - 1]
        + "]";
  }
}
