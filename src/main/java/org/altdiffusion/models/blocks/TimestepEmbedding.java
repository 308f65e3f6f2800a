package org.altdiffusion.models.blocks;

import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.nn.Linear;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The UNet's time conditioning: diffusers' {@code Timesteps} (sinusoidal features, no weights)
 * followed by {@code TimestepEmbedding} ({@code linear_1 -> SiLU -> linear_2}).
 */
public final class TimestepEmbedding extends Module {
  private final Linear linear1;
  private final Linear linear2;

  public TimestepEmbedding(long inChannels, long timeEmbedDim) {
    linear1 = child("linear_1", new Linear(inChannels, timeEmbedDim));
    linear2 = child("linear_2", new Linear(timeEmbedDim, timeEmbedDim));
  }

  /** features [B, in] -> [B, timeEmbedDim]. */
  public Tensor forward(Tensor features) {
    return Scopes.keep(() -> linear2.forward(torch.silu(linear1.forward(features))));
  }

  /**
   * diffusers' {@code get_timestep_embedding} with scale 1 and max_period 10000, op for op:
   * frequencies {@code exp(-ln(10000) * i / (half - downscaleFreqShift))}, features {@code [sin(t
   * f), cos(t f)]}, halves swapped when {@code flipSinToCos}, a zero column appended for an odd
   * {@code dim}.
   *
   * @param timesteps [B], any numeric dtype (converted to float32 first, like {@code .float()})
   * @return [B, dim] float32
   */
  public static Tensor sinusoidal(
      Tensor timesteps, long dim, boolean flipSinToCos, double downscaleFreqShift) {
    return sinusoidal(timesteps, dim, flipSinToCos, downscaleFreqShift, torch.ScalarType.Float);
  }

  /**
   * The same features computed in {@code dtype}: float32 is diffusers' computation; float64 serves
   * a model widened to float64, where float32 features would be the one low-precision part (and
   * their sin/cos rounding differs between libtorch builds).
   */
  public static Tensor sinusoidal(
      Tensor timesteps,
      long dim,
      boolean flipSinToCos,
      double downscaleFreqShift,
      torch.ScalarType dtype) {
    return Scopes.keep(
        () -> {
          long half = dim / 2;
          Tensor exponent =
              torch
                  .arange(
                      new Scalar(0), new Scalar(half), ComputeDevice.of(timesteps).options(dtype))
                  .mul(new Scalar(-Math.log(10000.0)))
                  .div(new Scalar(half - downscaleFreqShift)); // [half]
          Tensor freqs = torch.exp(exponent);
          Tensor args = timesteps.to(dtype).unsqueeze(1).mul(freqs.unsqueeze(0)); // [B, half]
          Tensor sin = torch.sin(args);
          Tensor cos = torch.cos(args);
          Tensor emb =
              flipSinToCos
                  ? torch.cat(new TensorVector(cos, sin), -1)
                  : torch.cat(new TensorVector(sin, cos), -1); // [B, 2*half]
          if (dim % 2 == 1) emb = torch.constant_pad_nd(emb, 0, 1, 0, 0);
          return emb;
        });
  }
}
