package org.altdiffusion.pipeline;

import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.Masks;

/**
 * The region of the init image to repaint, as diffusers' {@code StableDiffusionInpaintPipeline}
 * takes {@code mask_image}, with AUTOMATIC1111's mask options.
 *
 * @param mask white (255) repaints, black (0) keeps; the size of the init image. The pipeline
 *     binarises it as diffusers does (values >= 128 repaint)
 * @param blurX AUTOMATIC1111's mask blur along the rows in pixels ({@code mask_blur_x}), 0..{@link
 *     #MAX_BLUR} (0 = none, diffusers' behaviour), applied after inverting and before anything else
 * @param blurY the same along the columns ({@code mask_blur_y})
 * @param invert repaint the black region instead (A1111's "Inpaint not masked")
 * @param overlay paste the original back outside the mask after decoding, blended by {@code min(2 *
 *     mask, 255)} as A1111 always does; false = diffusers' result (the decoded picture as is). Not
 *     with {@code cropPadding}, which pastes back by itself
 * @param cropPadding diffusers' {@code padding_mask_crop}: the region around the mask, grown by
 *     this many pixels and to the request's aspect ratio, is cut out, fitted to the request's size
 *     and inpainted; the original (then of any size) may differ from the request's size. As in
 *     diffusers 0.30.3 the result has the request's size: the original and the mask resized to it,
 *     the inpainted crop pasted at the crop's coordinates (those of the original) over it, see
 *     {@link org.altdiffusion.image.Masks#pasteBack}. null = the whole picture
 * @param originalSize with {@code cropPadding}: AUTOMATIC1111's "inpaint only masked" instead, the
 *     result at the original's size with the crop pasted back into it ({@link
 *     org.altdiffusion.image.Masks#pasteBackA1111}); false without {@code cropPadding}
 * @param fill what the masked region's latents start from (null = {@link Fill#ORIGINAL}); a fill
 *     other than ORIGINAL needs a strength below 1
 */
public record InpaintMask(
    GrayImage mask,
    int blurX,
    int blurY,
    boolean invert,
    boolean overlay,
    Integer cropPadding,
    boolean originalSize,
    Fill fill) {

  /**
   * AUTOMATIC1111's "Masked content", what the masked region starts from (its {@code
   * inpainting_fill} 0..3). As A1111, every fill but ORIGINAL first fills the masked pixels with
   * the colours around them ({@link org.altdiffusion.image.Masks#fill}) before the picture is
   * encoded; the latent fills then replace the masked latents, and need a strength below 1 (at 1
   * the latents start as pure noise, as in diffusers).
   */
  public enum Fill {
    /** The masked pixels filled with the picture's blurred colours (A1111's "fill"). */
    FILL,
    /** The picture's own latents (A1111's "original", diffusers' only behaviour). */
    ORIGINAL,
    /**
     * The picture's latents replaced by the generation's own noise (that of each image's seed) in
     * the masked region before noising (A1111's "latent noise", whose fill noise likewise equals
     * the seed's noise).
     */
    LATENT_NOISE,
    /** The picture's latents zeroed in the masked region before noising ("latent nothing"). */
    LATENT_NOTHING;

    /** Whether the masked latents are replaced (and so a strength below 1 is needed). */
    public boolean latent() {
      return this == LATENT_NOISE || this == LATENT_NOTHING;
    }

    /** The option's spelling: "original", "latent-noise", "latent-nothing". */
    public String cliName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** A1111's "Masked content" label. */
    public String a1111Name() {
      return switch (this) {
        case FILL -> "fill";
        case ORIGINAL -> "original";
        case LATENT_NOISE -> "latent noise";
        case LATENT_NOTHING -> "latent nothing";
      };
    }
  }

  /** Largest mask blur accepted (A1111's slider range). */
  public static final int MAX_BLUR = 64;

  public InpaintMask {
    if (fill == null) fill = Fill.ORIGINAL;
    if (mask == null) throw new IllegalArgumentException("inpainting mask must not be null");
    for (int blur : new int[] {blurX, blurY})
      if (blur < 0 || blur > MAX_BLUR)
        throw new IllegalArgumentException(
            "mask blur must be between 0 and " + MAX_BLUR + " pixels, got " + blur);
    if (cropPadding != null && cropPadding < 0)
      throw new IllegalArgumentException(
          "mask crop padding must be 0 or more pixels, got " + cropPadding);
    if (cropPadding != null && overlay)
      throw new IllegalArgumentException(
          "overlay and mask crop padding do not go together: the crop already pastes the result"
              + " back over the original; choose one");
    if (originalSize && cropPadding == null)
      throw new IllegalArgumentException(
          "pasting back at the original's size is for \"only masked\" inpainting: give a mask"
              + " crop padding too");
  }

  /**
   * The same blur along both axes; the result at the request's size (diffusers' {@code
   * padding_mask_crop} when {@code cropPadding} is given).
   */
  public InpaintMask(
      GrayImage mask, int blur, boolean invert, boolean overlay, Integer cropPadding, Fill fill) {
    this(mask, blur, blur, invert, overlay, cropPadding, false, fill);
  }

  /** diffusers' defaults: no blur, not inverted, no overlay. */
  public static InpaintMask of(GrayImage mask) {
    return new InpaintMask(mask, 0, false, false, null, Fill.ORIGINAL);
  }

  /** The mask the pipeline works with: inverted if asked, then blurred. */
  public GrayImage prepared() {
    GrayImage m = mask;
    if (invert) {
      int[] v = m.values();
      int[] out = new int[v.length];
      for (int i = 0; i < v.length; i++) out[i] = 255 - v[i];
      m = new GrayImage(m.width(), m.height(), out);
    }
    return blurX > 0 || blurY > 0 ? Masks.blur(m, blurX, blurY) : m;
  }

  /** Whether no pixel would be repainted: the prepared mask has no value >= 128. */
  public boolean repaintsNothing() {
    for (int v : prepared().values()) if (v >= 128) return false;
    return true;
  }
}
