package org.altdiffusion.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How much native memory a generation needs beyond the weights, estimated from the model's sizes
 * before any work starts, so that a request too large for this machine is refused with the figure
 * instead of failing (or swapping) half-way.
 *
 * <p>Attention runs in libtorch's flash kernel on the CPU, whose memory is linear in the tokens
 * (measured: 2x5 heads x 16,384 tokens peaked 45 MB where materialised scores would take 10.7 GB),
 * so everything here grows with the area: the UNet's activations, anchored on SD 2.1 at 64x64
 * latents and batch 2 peaking 0.9 GB above its weights (about 86 maps of the first block's width
 * per sample), and the VAE decode's full-resolution maps: measured (docs/vae-tiling.md, SD VAE,
 * float32) 1.31 GB above the weights at 512x512, about 10 maps of the decoder's last width (128);
 * decoded tile by tile, the maps are one tile's and the picture is kept a few times in 3 channels.
 */
public final class MemoryEstimate {
  private MemoryEstimate() {}

  /**
   * Bytes of working memory for one denoising step and the decode.
   *
   * @param unetChannels the UNet's first block width (320 for SD)
   * @param vaeChannels the VAE decoder's last block width (128 for SD)
   * @param latentFactor pixels per latent cell (8 for SD)
   * @param samples UNet batch: images x 2 with guidance
   */
  public static long bytesNeeded(
      int unetChannels,
      int vaeChannels,
      int latentFactor,
      int width,
      int height,
      int samples,
      int images) {
    return bytesNeeded(unetChannels, vaeChannels, latentFactor, width, height, samples, images, 0);
  }

  /**
   * As {@link #bytesNeeded(int, int, int, int, int, int, int)} with the VAE decoding tile by tile:
   * its working maps are those of one tile, plus the decoded tiles kept for blending and the joined
   * picture (float32, 3 channels, about 4 copies of the picture's area).
   *
   * @param vaeTile tile side in pixels ({@code sample_size}), or 0 when the VAE is not tiled
   */
  public static long bytesNeeded(
      int unetChannels,
      int vaeChannels,
      int latentFactor,
      int width,
      int height,
      int samples,
      int images,
      int vaeTile) {
    double tokens = (double) (width / latentFactor) * (height / latentFactor);
    double unet = 4.0 * samples * tokens * unetChannels * 86;
    double pixels = (double) width * height;
    double decodeArea =
        vaeTile > 0 ? (double) Math.min(width, vaeTile) * Math.min(height, vaeTile) : pixels;
    double decode = 4.0 * images * decodeArea * vaeChannels * 10;
    double tiles = vaeTile > 0 ? 4.0 * images * pixels * 3 * 4 : 0;
    return (long) (unet + decode + tiles);
  }

  /**
   * {@link #bytesNeeded(int, int, int, int, int, int, int, int)} for {@code model}'s UNet and VAE.
   *
   * @param guided whether the UNet runs on twice the images (classifier-free guidance)
   * @param vaeTiles whether the VAE decodes tile by tile ({@link VaeTiling})
   */
  static long bytesNeeded(
      ModelComponents model,
      GenerationRequest.Size size,
      int images,
      boolean guided,
      boolean vaeTiles) {
    return bytesNeeded(
        model.unet().config.blockOutChannels().get(0),
        model.vae().config.blockOutChannels().get(0),
        model.vae().downscaleFactor(),
        size.width(),
        size.height(),
        images * (guided ? 2 : 1),
        images,
        vaeTiles ? model.vae().tileSampleSize() : 0);
  }

  /** Memory this machine can still give (MemAvailable), or -1 when unknown. */
  public static long availableBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or unreadable: no check
    }
    return -1;
  }

  /** Throws when {@code needed} exceeds {@code available} (ignored when available is unknown). */
  public static void check(long needed, long available, int width, int height, int images) {
    check(needed, available, width, height, images, null);
  }

  /** As {@link #check(long, long, int, int, int)}, naming the device whose memory is short. */
  public static void check(
      long needed, long available, int width, int height, int images, String device) {
    if (available >= 0 && needed > available) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "%dx%d with %d image(s) at once needs about %.1f GB of working memory%s, but only"
                  + " %.1f GB is available; use a smaller size or batch",
              width,
              height,
              images,
              needed / 1e9,
              device == null ? "" : " on " + device,
              available / 1e9));
    }
  }
}
