package org.altdiffusion.pipeline;

import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.Masks;

/**
 * The region of the init image to repaint, as diffusers' {@code StableDiffusionInpaintPipeline}
 * takes {@code mask_image}, with AUTOMATIC1111's mask options.
 *
 * @param mask white (255) repaints, black (0) keeps; the size of the init image. The pipeline
 *     binarises it as diffusers does (values >= 128 repaint)
 * @param blur AUTOMATIC1111's mask blur in pixels, 0..{@link #MAX_BLUR} (0 = none, diffusers'
 *     behaviour), applied after inverting and before anything else
 * @param invert repaint the black region instead (A1111's "Inpaint not masked")
 * @param overlay paste the original back outside the mask after decoding, blended by {@code clip(2
 *     * mask)} as A1111 always does; false = diffusers' result (the decoded picture as is)
 */
public record InpaintMask(GrayImage mask, int blur, boolean invert, boolean overlay) {
  /** Largest mask blur accepted (A1111's slider range). */
  public static final int MAX_BLUR = 64;

  public InpaintMask {
    if (mask == null) throw new IllegalArgumentException("inpainting mask must not be null");
    if (blur < 0 || blur > MAX_BLUR)
      throw new IllegalArgumentException(
          "mask blur must be between 0 and " + MAX_BLUR + " pixels, got " + blur);
  }

  /** diffusers' defaults: no blur, not inverted, no overlay. */
  public static InpaintMask of(GrayImage mask) {
    return new InpaintMask(mask, 0, false, false);
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
    return blur > 0 ? Masks.blur(m, blur, blur) : m;
  }

  /** Whether no pixel would be repainted: the prepared mask has no value >= 128. */
  public boolean repaintsNothing() {
    for (int v : prepared().values()) if (v >= 128) return false;
    return true;
  }
}
