/**
 * Image handling shared by generation, the server, training and the tiny model: one place for each
 * concept, matching the reference tools (PIL, diffusers, AUTOMATIC1111, OpenCV) bit for bit where a
 * test fixture shows it.
 *
 * <ul>
 *   <li>Reading bytes: {@link org.altdiffusion.image.ImageHeader} (format and size from the header,
 *       nothing decoded), {@link org.altdiffusion.image.ImageDecoder} (PNG, JPEG incl. CMYK/YCCK,
 *       BMP, GIF; WebP where ImageIO has a reader) under {@link
 *       org.altdiffusion.image.ImageLimits}; every refusal is a {@link
 *       org.altdiffusion.image.BadImageException} saying what was wrong and what is accepted.
 *   <li>To 8-bit RGB: {@link org.altdiffusion.image.Alpha} (A1111's flatten onto a background, or
 *       PIL's {@code convert("RGB")} that drops alpha).
 *   <li>Fitting to a size: {@link org.altdiffusion.image.ResizeMode} (A1111's img2img resize modes
 *       over PIL's Lanczos), {@link org.altdiffusion.image.CenterCrop} (training's square crop).
 *   <li>Numbers: {@link org.altdiffusion.image.Pixels} (packed RGB to [-1, 1] planes), {@link
 *       org.altdiffusion.image.ImageTensors} (the VAE's tensors, diffusers' rounding), {@link
 *       org.altdiffusion.image.Png} (PNG bytes with A1111's parameters text).
 *   <li>Inpainting masks: {@link org.altdiffusion.image.GrayImage} and {@link
 *       org.altdiffusion.image.Masks} (PIL's "L", A1111's binary mask and mask blur, diffusers'
 *       mask preprocessing, torch's nearest resize to the latent size).
 * </ul>
 *
 * <p>This package depends on {@code engine} (tensors) and {@code io.png} only; it must not import
 * {@code pipeline}, {@code server}, {@code train}, {@code tiny} or {@code app}.
 */
package org.altdiffusion.image;
