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
 * <p>The estimate is conservative: it counts the UNet's largest attention scores as if materialised
 * ([batch, heads, tokens, tokens] in fp32, quadratic in the latent area), the activations kept for
 * the skip connections (linear in area) and the VAE decoder's widest activations at full
 * resolution. Anchor: SD 2.1's UNet at 64x64 latents, batch 2, peaked 0.9 GB above its weights.
 */
public final class MemoryEstimate {
  private MemoryEstimate() {}

  /**
   * Bytes of working memory for one denoising step and the decode.
   *
   * @param unetChannels the UNet's first block width (320 for SD)
   * @param unetHeads heads of the UNet's first attention level (5 for SD 2.x, 8 for SD 1.x)
   * @param vaeChannels the VAE decoder's last block width (128 for SD)
   * @param latentFactor pixels per latent cell (8 for SD)
   * @param samples UNet batch: images x 2 with guidance
   */
  public static long bytesNeeded(int unetChannels, int unetHeads, int vaeChannels, int latentFactor,
      int width, int height, int samples, int images) {
    double tokens = (double) (width / latentFactor) * (height / latentFactor);
    double attention = 4.0 * samples * unetHeads * tokens * tokens;
    double skips = 4.0 * samples * tokens * unetChannels * 12; // ~12 maps of the first width are alive at once
    double decode = 4.0 * images * (double) width * height * vaeChannels * 4; // a few full-size maps in the decoder
    return (long) (attention + skips + decode);
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
    if (available >= 0 && needed > available) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%dx%d with %d image(s) at once needs about %.1f GB of working memory, but only %.1f GB is available; "
              + "use a smaller size or batch", width, height, images, needed / 1e9, available / 1e9));
    }
  }
}
