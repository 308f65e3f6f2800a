package org.altdiffusion.pipeline;

import org.altdiffusion.engine.Noise;
import org.altdiffusion.image.ImageTensors;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.schedulers.Scheduler;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Image-to-image's start: the encoded picture, noised to the level of the first step that runs, as
 * diffusers' img2img with one generator per image (each image's posterior sample is drawn from its
 * own generator, then each image's noise).
 */
record ImageToImage(AutoencoderKL vae, InitImage init) implements LatentInit {

  @Override
  public Start start(Scheduler scheduler, Noise noise, long[] shape) {
    int first = LatentInit.firstStep(scheduler, init.strength());
    int batch = (int) shape[0];
    var posterior = vae.encode(ImageTensors.toTensor(init.image())); // mean, logvar: [1, C, h, w]
    Tensor mean = posterior.mean().repeat(batch, 1, 1, 1); // [B, C, h, w]
    Tensor std = posterior.std().repeat(batch, 1, 1, 1); // [B, C, h, w]
    Tensor sample = mean.add(std.mul(noise.like(mean)));
    Tensor latents = sample.mul(new Scalar(vae.scalingFactor()));
    return new Start(scheduler.addNoise(latents, noise.randn(shape), first), first);
  }
}
