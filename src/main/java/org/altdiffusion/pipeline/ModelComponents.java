package org.altdiffusion.pipeline;

import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.models.text.TextEncoder;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.nn.Module;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tokenizer.PromptTokenizer;
import org.bytedeco.pytorch.global.torch;

/**
 * A loaded model: what {@link PipelineLoader} reads from a folder, for generation, training and
 * evaluation alike.
 *
 * @param name shown as "Model" in the infotext (the folder's name)
 * @param text tokenizer, text encoder and their mask rule
 * @param unet the denoiser
 * @param vae the latent autoencoder
 * @param scheduler the model's scheduler_config.json
 * @param hash A1111's "Model hash" (first 10 hex digits of the file's sha256) for a single-file
 *     checkpoint, null for a folder
 */
public record ModelComponents(
    String name,
    TextConditioning text,
    UNet2DConditionModel unet,
    AutoencoderKL vae,
    SchedulerConfig scheduler,
    String hash) {

  /** A model without a hash (a diffusers folder). */
  public ModelComponents(
      String name,
      TextConditioning text,
      UNet2DConditionModel unet,
      AutoencoderKL vae,
      SchedulerConfig scheduler) {
    this(name, text, unet, vae, scheduler, null);
  }

  /** The same model with {@code other} as its VAE (a standalone VAE file, {@code --vae}). */
  public ModelComponents withVae(AutoencoderKL other) {
    return new ModelComponents(name, text, unet, other, scheduler, hash);
  }

  /** The same model with {@code other} as its scheduler config. */
  public ModelComponents withScheduler(SchedulerConfig other) {
    return new ModelComponents(name, text, unet, vae, other, hash);
  }

  /** The device the UNet's weights live on: where generation and training work. */
  public ComputeDevice device() {
    return unet.device();
  }

  /**
   * Moves every weight (text encoder, UNet, VAE) to {@code device}, checked first ({@link
   * ComputeDevice#check}); returns this model.
   */
  public ModelComponents to(ComputeDevice device) {
    device.check();
    if (text.encoder() instanceof Module encoder) encoder.moveTo(device);
    unet.moveTo(device);
    vae.moveTo(device);
    return this;
  }

  /**
   * Converts the weights to {@code precision} ({@code auto} decided for this UNet on its device):
   * text encoder and UNet take it; the VAE too, except float16 with a VAE whose config says {@code
   * force_upcast} (diffusers then decodes in float32: float16 overflows in SD's VAE). Returns this
   * model.
   */
  public ModelComponents in(Precision precision) {
    Precision p = precision.resolve(device(), unet.config.blockOutChannels().get(0));
    if (text.encoder() instanceof Module encoder) encoder.castTo(p.scalarType());
    unet.castTo(p.scalarType());
    boolean upcastVae = p == Precision.FLOAT16 && vae.config.forceUpcast();
    vae.castTo(upcastVae ? Precision.FLOAT32.scalarType() : p.scalarType());
    return this;
  }

  /** The UNet's weights' precision. */
  public torch.ScalarType dtype() {
    return unet.dtype();
  }

  public PromptTokenizer tokenizer() {
    return text.tokenizer();
  }

  public TextEncoder textEncoder() {
    return text.encoder();
  }

  /** The latent shape of {@code batch} pictures of {@code width} x {@code height} pixels. */
  public long[] latentShape(int batch, int width, int height) {
    int factor = vae.downscaleFactor();
    // the VAE's latent channels, not the UNet's in_channels (9 for inpainting UNets)
    return new long[] {batch, vae.config.latentChannels(), height / factor, width / factor};
  }

  /** The default picture side in pixels: the UNet's sample size times the VAE's factor. */
  public int defaultSize() {
    Integer sampleSize = unet.config.sampleSize();
    // diffusers' pipelines need sample_size; a config without it gets SD's 64 (512 pixels)
    return (sampleSize == null ? 64 : sampleSize) * vae.downscaleFactor();
  }
}
