package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.util.List;
import org.altdiffusion.image.ResizeMode;
import org.bytedeco.pytorch.InterpolateFuncOptions;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The hires fix's upscalers, as AUTOMATIC1111 names them: the latent ones ({@code
 * shared.latent_upscale_modes}: {@code torch.nn.functional.interpolate(latents, size=(h / 8, w /
 * 8), mode, antialias)}, here libtorch's {@code interpolate} with the same arguments, so the same
 * ATen kernels), and the pixel ones that decode, resize with PIL's filter and encode again.
 */
public final class HiresUpscale {

  /** A1111's default hires upscaler. */
  public static final String DEFAULT = "Latent";

  /** Accepted names, in A1111's listing order (latent modes, then the pixel upscalers). */
  public static final List<String> NAMES =
      List.of(
          "Latent",
          "Latent (antialiased)",
          "Latent (bicubic)",
          "Latent (bicubic antialiased)",
          "Latent (nearest)",
          "Latent (nearest-exact)",
          "None",
          "Lanczos");

  private HiresUpscale() {}

  /** Whether {@code name} is a latent mode (interpolates the latents, no VAE round trip). */
  public static boolean isLatent(String name) {
    return name.startsWith("Latent");
  }

  /** The accepted spelling of {@code name} (case-insensitive), or null when it is not accepted. */
  public static String canonical(String name) {
    if (name == null) return null;
    for (String n : NAMES) if (n.equalsIgnoreCase(name.trim())) return n;
    return null;
  }

  /** The error for an unknown upscaler name, listing the accepted ones. */
  public static String unknown(String name) {
    return "unknown hires upscaler \""
        + name
        + "\"; accepted: "
        + String.join(", ", NAMES)
        + " (model upscalers such as ESRGAN are not available)";
  }

  /**
   * A1111's latent upscale: {@code F.interpolate(latents, size=(height, width), mode=..,
   * antialias=..)} with align_corners unset.
   *
   * @param latents [B, C, h, w]
   * @return [B, C, height, width]
   */
  static Tensor latent(String mode, Tensor latents, long height, long width) {
    InterpolateFuncOptions o = new InterpolateFuncOptions();
    o.size().put(new LongVector(height, width));
    switch (mode) {
      case "Latent" -> o.mode().put(new org.bytedeco.pytorch.kBilinear());
      case "Latent (antialiased)" -> {
        o.mode().put(new org.bytedeco.pytorch.kBilinear());
        o.antialias().put(true);
      }
      case "Latent (bicubic)" -> o.mode().put(new org.bytedeco.pytorch.kBicubic());
      case "Latent (bicubic antialiased)" -> {
        o.mode().put(new org.bytedeco.pytorch.kBicubic());
        o.antialias().put(true);
      }
      case "Latent (nearest)" -> o.mode().put(new org.bytedeco.pytorch.kNearest());
      case "Latent (nearest-exact)" -> o.mode().put(new org.bytedeco.pytorch.kNearestExact());
      default -> throw new IllegalArgumentException(unknown(mode));
    }
    return torch.interpolate(latents, o);
  }

  /**
   * A1111's pixel upscale of one picture for the hires fix ({@code images.resize_image(0, im, w, h,
   * upscaler)}): "None" and "Lanczos" both end as one PIL Lanczos resize to the target size.
   */
  static BufferedImage pixels(String name, BufferedImage image, int width, int height) {
    if (!name.equals("None") && !name.equals("Lanczos"))
      throw new IllegalArgumentException(unknown(name));
    return ResizeMode.JUST_RESIZE.fit(image, width, height);
  }
}
