package org.altdiffusion.pipeline;

import java.util.Locale;
import org.altdiffusion.models.vae.AutoencoderKL;

/**
 * Whether the VAE decodes (and encodes) tile by tile, as diffusers' {@code enable_vae_tiling}
 * ({@link AutoencoderKL#setTiling}): working memory bounded by one tile of the config's {@code
 * sample_size} (768 pixels for SD 2.x, 512 for SD 1.x) instead of growing with the picture, at the
 * price of more time (the tiles overlap by a quarter) and faint tile borders the blending may
 * leave. Pictures that fit in one tile are never tiled (as in diffusers).
 */
public enum VaeTiling {
  /** Never tiled: results as diffusers' default pipeline. */
  OFF,
  /** Tiled whenever the picture is larger than one tile (diffusers with enable_vae_tiling()). */
  ON,
  /**
   * Tiled only for pictures larger than {@link #AUTO_MAX_UNTILED_PIXELS}, or when the untiled
   * decode's estimate does not fit in the memory available: SD's usual sizes up to 1024x1024 decode
   * as diffusers' default does.
   */
  AUTO;

  /**
   * Above this many pixels {@link #AUTO} tiles: 1024x1024. Measured (docs/vae-tiling.md): the
   * untiled SD VAE decode at 1024x1024 peaks a few GB above the weights, within reach of a 16 GB
   * machine, and grows with the area beyond; tiles of 768 pixels keep it near the 768x768 figure.
   */
  public static final long AUTO_MAX_UNTILED_PIXELS = 1024L * 1024;

  /** "off", "on" or "auto" (any case). */
  public static VaeTiling parse(String value) {
    if (value != null) {
      for (VaeTiling t : values()) if (t.name().equalsIgnoreCase(value.trim())) return t;
    }
    throw new IllegalArgumentException(
        "VAE tiling must be one of on, off, auto; got " + (value == null ? "null" : value));
  }

  /**
   * Whether a picture of {@code width} x {@code height} is decoded tile by tile.
   *
   * @param untiledFits whether the untiled decode's memory estimate fits what is available (AUTO
   *     tiles when it does not)
   */
  public boolean tiles(AutoencoderKL vae, int width, int height, boolean untiledFits) {
    if (this == OFF) return false;
    Integer side = vae.config.sampleSize();
    // AUTO leaves a VAE without a usable tile size untiled; ON says what is missing
    if (this == AUTO && (side == null || side < vae.downscaleFactor())) return false;
    boolean larger = width > vae.tileSampleSize() || height > vae.tileSampleSize();
    if (this == ON) return larger;
    return larger && ((long) width * height > AUTO_MAX_UNTILED_PIXELS || !untiledFits);
  }

  /**
   * Whether a generation of {@code images} pictures whose largest is {@code largest} (the hires
   * pass's when there is one) decodes tile by tile; for {@link #AUTO} the untiled decode's memory
   * estimate is checked against what this machine has available.
   */
  boolean tiles(ModelComponents model, GenerationRequest.Size largest, int images, boolean guided) {
    if (this == OFF) return false;
    long untiled = MemoryEstimate.bytesNeeded(model, largest, images, guided, false);
    long available = MemoryEstimate.availableBytes();
    boolean fits = available < 0 || untiled <= available;
    return tiles(model.vae(), largest.width(), largest.height(), fits);
  }

  /** Switches {@code vae}'s tiling to {@code on} until {@link Applied#close}, which restores it. */
  static Applied apply(AutoencoderKL vae, boolean on) {
    Applied applied = new Applied(vae, vae.tiling());
    vae.setTiling(on);
    return applied;
  }

  /** The VAE's tiling before {@link #apply}, put back on close. */
  record Applied(AutoencoderKL vae, boolean before) implements AutoCloseable {
    @Override
    public void close() {
      vae.setTiling(before);
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
