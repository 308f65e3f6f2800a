package org.altdiffusion.models.vae;

import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The encoder's latent distribution (diffusers {@code DiagonalGaussianDistribution}): independent
 * normals with {@code mean} and {@code logvar} (already clamped to [-30, 20]), both [B, latent, h,
 * w]. The tensors live in the scope that called {@link AutoencoderKL#encode}.
 */
public record DiagonalGaussian(Tensor mean, Tensor logvar) {

  /** exp(0.5 * logvar), computed as the reference does. */
  public Tensor std() {
    return torch.exp(logvar.mul(new Scalar(0.5)));
  }

  /** exp(logvar). */
  public Tensor var() {
    return torch.exp(logvar);
  }

  /**
   * mean + std * noise, the noise drawn by {@code torch.randn(mean.shape, generator)}: equal to
   * diffusers' {@code latent_dist.sample(generator)} for a CPU generator in the same state.
   */
  public Tensor sample(Generator generator) {
    Tensor noise = ComputeDevice.of(mean).place(Tensors.randn(generator, Tensors.shape(mean)));
    return mean.add(std().mul(noise));
  }

  /** The most likely latent: the mean. */
  public Tensor mode() {
    return mean;
  }
}
