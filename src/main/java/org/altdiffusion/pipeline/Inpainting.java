package org.altdiffusion.pipeline;

import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.ImageTensors;
import org.altdiffusion.image.Masks;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.schedulers.Scheduler;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Inpainting as diffusers' {@code StableDiffusionInpaintPipeline}, as the loop's three parts: how
 * the latents start ({@link LatentInit}), and either the known region put back after each step
 * ({@link StepHook}, UNets that take the 4 latent channels) or the mask and the masked picture's
 * latents as extra UNet channels ({@link UNetInputs}, 9-channel inpainting UNets).
 *
 * <p>The noise is drawn as diffusers draws it with one generator per image: the init picture is a
 * single image, so its VAE posterior sample (needed by 4-channel UNets and by strength < 1) and the
 * masked picture's sample (always drawn, used by 9-channel UNets) come from image 0's generator
 * alone, before and after each image's latent noise respectively.
 *
 * <p>Mutable: {@link #start} prepares what the hook and the extra channels use; one generation.
 */
final class Inpainting implements LatentInit, StepHook, UNetInputs {
  private final AutoencoderKL vae;
  private final InitImage init;
  private final float[] maskPixels; // [H, W], 0 or 1, diffusers' binarised mask
  private final boolean nineChannels;
  private final InpaintMask.Fill fill;
  private final Noise firstImage; // image 0's generator alone

  private Tensor imageLatents; // [B, C, h, w], 4-channel UNets only
  private Tensor noise; // [B, C, h, w], the latents' noise
  private Tensor latentMask; // [B, 1, h, w]
  private Tensor extra; // [B, 1 + C, h, w], 9-channel UNets only

  /**
   * @param mask the prepared mask (inverted, blurred), the init picture's size
   * @param nineChannels whether the UNet takes latents, mask and masked latents
   * @param fill what the masked region's latents start from (strength < 1)
   * @param firstImage noise from image 0's generator alone (the one diffusers gives a single init
   *     picture)
   */
  Inpainting(
      AutoencoderKL vae,
      InitImage init,
      GrayImage mask,
      boolean nineChannels,
      InpaintMask.Fill fill,
      Noise firstImage) {
    this.vae = vae;
    this.init = init;
    this.maskPixels =
        Masks.diffusers(mask, init.image().getWidth(), init.image().getHeight()); // [H, W]
    this.nineChannels = nineChannels;
    this.fill = fill;
    this.firstImage = firstImage;
  }

  @Override
  public Start start(Scheduler scheduler, Noise noise, long[] shape) {
    int first = LatentInit.firstStep(scheduler, init.strength());
    int batch = (int) shape[0];
    int width = init.image().getWidth();
    int height = init.image().getHeight();
    boolean fromNoise = init.strength() == 1.0; // diffusers' is_strength_max
    Tensor picture = ImageTensors.toTensor(init.image()); // [1, 3, H, W] in [-1, 1]
    if (!nineChannels || !fromNoise) imageLatents = sample(picture).repeat(batch, 1, 1, 1);
    this.noise = noise.randn(shape); // [B, C, h, w]
    float[] small = Masks.nearest(maskPixels, width, height, (int) shape[3], (int) shape[2]);
    ComputeDevice device = ComputeDevice.of(this.noise);
    latentMask =
        device.place(Tensors.fromFloats(small, 1, 1, shape[2], shape[3])).repeat(batch, 1, 1, 1);
    Tensor latents =
        fromNoise
            ? this.noise.mul(new Scalar(scheduler.initNoiseSigma()))
            : scheduler.addNoise(filled(), this.noise, first);
    if (nineChannels) {
      Tensor keep =
          device.place(Tensors.fromFloats(keep(maskPixels), 1, 1, height, width)); // mask < 0.5
      Tensor masked =
          sample(device.place(picture).mul(keep)).repeat(batch, 1, 1, 1); // [B, C, h, w]
      extra = torch.cat(new TensorVector(latentMask, masked), 1); // [B, 1 + C, h, w]
    } else {
      // diffusers encodes the masked picture for 4-channel UNets too and drops it: the draw from
      // image 0's generator still happens, and later draws (ancestral samplers) follow it
      firstImage.randn(1, shape[1], shape[2], shape[3]);
    }
    return new Start(latents, first);
  }

  /**
   * The picture's latents with the masked region as {@link #fill} says (A1111: {@code init_latent *
   * mask + noise * nmask}, or {@code init_latent * mask}).
   */
  private Tensor filled() {
    if (!fill.latent()) return imageLatents; // "fill" changed the pixels, not the latents
    Tensor kept = imageLatents.mul(latentMask.neg().add(new Scalar(1)));
    return fill == InpaintMask.Fill.LATENT_NOISE ? kept.add(noise.mul(latentMask)) : kept;
  }

  /**
   * The VAE posterior's sample of a [1, 3, H, W] picture, drawn from image 0's generator, scaled.
   */
  private Tensor sample(Tensor picture) {
    var posterior = vae.encode(picture); // mean, logvar: [1, C, h, w]
    Tensor mean = posterior.mean();
    Tensor s = mean.add(posterior.std().mul(firstImage.like(mean)));
    return s.mul(new Scalar(vae.scalingFactor()));
  }

  private static float[] keep(float[] mask) {
    float[] out = new float[mask.length];
    for (int i = 0; i < out.length; i++) out[i] = mask[i] < 0.5f ? 1f : 0f;
    return out;
  }

  /**
   * 4-channel UNets: {@code (1 - mask) * known + mask * latents}, the known region being the init
   * picture's latents re-noised to the next step's level (as they are after the last step).
   */
  @Override
  public Tensor afterStep(Tensor latents, int stepIndex, Scheduler scheduler) {
    Tensor known =
        stepIndex < scheduler.timesteps().length - 1
            ? scheduler.addNoise(imageLatents, noise, stepIndex + 1)
            : imageLatents;
    Tensor keepMask = latentMask.neg().add(new Scalar(1));
    return keepMask.mul(known).add(latentMask.mul(latents));
  }

  /** 9-channel UNets: the mask and the masked picture's latents, [B, 1 + C, h, w]. */
  @Override
  public Tensor extraChannels() {
    return extra;
  }

  /** Whether this runs as a 9-channel UNet's extra channels (else as a hook after each step). */
  boolean nineChannels() {
    return nineChannels;
  }
}
