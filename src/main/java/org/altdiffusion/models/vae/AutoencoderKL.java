package org.altdiffusion.models.vae;

import java.nio.file.Path;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.io.TensorSource;
import org.altdiffusion.io.keys.formats.DiffusersLegacyVaeAttention;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * diffusers' {@code AutoencoderKL}, the Stable Diffusion VAE: {@code encoder}, {@code quant_conv},
 * {@code post_quant_conv}, {@code decoder}. Images are in [-1, 1]; with n blocks, latents are
 * 2^(n-1) times smaller (8 for SD). Scaling latents by {@link #scalingFactor()} is the caller's
 * job, as in diffusers.
 */
public final class AutoencoderKL extends Module {
  public final AutoencoderKLConfig config;
  private final Encoder encoder;
  private final Decoder decoder;
  private final Conv2d quantConv;
  private final Conv2d postQuantConv;
  private boolean tiling;

  /** The architecture of {@code config}, with empty parameters (load or initialise them). */
  public AutoencoderKL(AutoencoderKLConfig config) {
    this.config = config;
    long latent = config.latentChannels();
    encoder = child("encoder", new Encoder(config));
    decoder = child("decoder", new Decoder(config));
    quantConv =
        config.useQuantConv()
            ? child("quant_conv", new Conv2d(2 * latent, 2 * latent, 1, 1, 0))
            : null;
    postQuantConv =
        config.usePostQuantConv()
            ? child("post_quant_conv", new Conv2d(latent, latent, 1, 1, 0))
            : null;
  }

  /**
   * Reads {@code config.json} and the weights of a diffusers {@code vae} folder (safetensors, .bin
   * or sharded), accepting the pre-0.14 attention key names (see {@link #withCurrentKeyNames}).
   */
  public static AutoencoderKL fromPretrained(Path folder) {
    AutoencoderKL model =
        new AutoencoderKL(AutoencoderKLConfig.read(folder.resolve("config.json")));
    try (TensorSource source =
        Checkpoints.open(
            DiffusersLayout.findWeights(folder, DiffusersLayout.Naming.DIFFUSERS, null))) {
      model.loadCheckpoint(source);
    }
    return model;
  }

  /**
   * {@link #load(TensorSource)} after renaming legacy attention keys (query/key/value/proj_attn).
   */
  public void loadCheckpoint(TensorSource source) {
    load(withCurrentKeyNames(source));
  }

  /** The factor the pipeline multiplies encoded latents by (and divides by before decoding). */
  public double scalingFactor() {
    return config.scalingFactor();
  }

  /** Latents per image side: 2^(blocks - 1). */
  public int downscaleFactor() {
    return 1 << (config.blockOutChannels().size() - 1);
  }

  /**
   * diffusers' {@code enable_tiling} / {@code disable_tiling}: when on, {@link #encode} and {@link
   * #decode} of inputs larger than one tile ({@link #tileSampleSize()} pixels, {@link
   * #tileLatentSize()} latents on a side) run tile by tile with blended borders, so their working
   * memory is that of one tile; results then differ slightly from the untiled pass, as there.
   */
  public void setTiling(boolean on) {
    tiling = on;
  }

  public boolean tiling() {
    return tiling;
  }

  /** diffusers' {@code tile_sample_min_size}: the config's {@code sample_size}. */
  public int tileSampleSize() {
    Integer size = config.sampleSize();
    if (size == null || size < downscaleFactor()) {
      throw new IllegalArgumentException(
          "AutoencoderKL: VAE tiling needs the config's sample_size (the tile side in pixels) to be"
              + " at least "
              + downscaleFactor()
              + ", got "
              + size);
    }
    return size;
  }

  /** diffusers' {@code tile_latent_min_size}: {@code sample_size / 2^(blocks - 1)}. */
  public int tileLatentSize() {
    return tileSampleSize() / downscaleFactor();
  }

  /**
   * Encodes images into the latent distribution (tile by tile when {@link #setTiling tiling} is on
   * and the image is larger than a tile).
   *
   * @param image [B, in_channels, H, W] float32 in [-1, 1]
   */
  public DiagonalGaussian encode(Tensor picture) {
    requireImage("image", picture, config.inChannels(), "in_channels");
    Tensor image = device().place(picture); // pictures are made on the CPU
    int tile = tileSampleSize();
    boolean tiled = tiling && (image.size(2) > tile || image.size(3) > tile);
    Tensor moments =
        guarded(
            "encode",
            () ->
                Scopes.keep(
                    () ->
                        tiled
                            ? VaeTiles.run(image, tile, tileLatentSize(), this::moments)
                            : moments(image))); // [B, 2 * latent, h, w]
    long latent = config.latentChannels();
    Tensor mean = moments.narrow(1, 0, latent); // [B, latent, h, w]
    Tensor logvar =
        moments
            .narrow(1, latent, latent)
            .clamp(new ScalarOptional(new Scalar(-30.0)), new ScalarOptional(new Scalar(20.0)));
    return new DiagonalGaussian(mean, logvar);
  }

  /**
   * image [B, in, H, W] -> moments [B, 2 * latent, h, w]; in the weights' precision, out in float32
   * (so tile blending and the posterior stay float32).
   */
  private Tensor moments(Tensor image) {
    Tensor h = encoder.forward(Precision.cast(image, dtype()));
    return Precision.toFloat32(quantConv == null ? h : quantConv.forward(h));
  }

  /** latents [B, latent, h, w] -> image [B, out, H, W]; in the weights' precision, out float32. */
  private Tensor image(Tensor latents) {
    Tensor z = Precision.cast(latents, dtype());
    z = postQuantConv == null ? z : postQuantConv.forward(z);
    return Precision.toFloat32(decoder.forward(z));
  }

  /**
   * Decodes latents (already divided by the scaling factor) into images (tile by tile when {@link
   * #setTiling tiling} is on and the latents are larger than a tile).
   *
   * @param latents [B, latent_channels, h, w] float32
   * @return [B, out_channels, h * downscaleFactor(), w * downscaleFactor()], nominally in [-1, 1]
   */
  public Tensor decode(Tensor latents) {
    requireImage("latents", latents, config.latentChannels(), "latent_channels");
    int tile = tileLatentSize();
    boolean tiled = tiling && (latents.size(2) > tile || latents.size(3) > tile);
    return guarded(
        "decode",
        () ->
            Scopes.keep(
                () ->
                    tiled
                        ? VaeTiles.run(latents, tile, tileSampleSize(), this::image)
                        : image(latents)));
  }

  /**
   * A view of {@code source} whose VAE mid-block attention keys use diffusers' current names:
   * checkpoints saved before diffusers 0.14 (late-2022 models) call them {@code query}, {@code
   * key}, {@code value}, {@code proj_attn}; diffusers renames them on load, and so do we, through
   * the table {@link DiffusersLegacyVaeAttention#TABLE}. Having both an old and a new name for the
   * same weight is an error naming both. Lazy: nothing is read until loaded.
   */
  public static TensorSource withCurrentKeyNames(TensorSource source) {
    return DiffusersLegacyVaeAttention.TABLE.apply(source);
  }

  private static void requireImage(String what, Tensor t, long channels, String field) {
    if (t == null) throw new IllegalArgumentException("AutoencoderKL: " + what + " is null");
    if (t.scalar_type().value != torch.ScalarType.Float.value) {
      throw new IllegalArgumentException(
          "AutoencoderKL: " + what + " must be float32, got " + t.scalar_type());
    }
    if (t.dim() != 4
        || t.size(1) != channels
        || t.size(0) == 0
        || t.size(2) == 0
        || t.size(3) == 0) {
      throw new IllegalArgumentException(
          "AutoencoderKL: "
              + what
              + " must be [B, "
              + channels
              + ", H, W] ("
              + field
              + " "
              + channels
              + ", nothing empty), got "
              + Tensors.shapeString(t));
    }
  }
}
