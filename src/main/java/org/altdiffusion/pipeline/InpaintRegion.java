package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.util.function.UnaryOperator;
import org.altdiffusion.image.Alpha;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.image.Masks;
import org.altdiffusion.image.ResizeMode;

/**
 * What inpainting works on and gives back: the init picture and the prepared mask at the request's
 * size, and how each decoded picture becomes the result (as decoded, A1111's overlay, or with
 * {@code cropPadding} diffusers' crop pasted back over the original).
 *
 * @param init the picture to inpaint, at the request's size
 * @param mask the mask (inverted, blurred), at the request's size
 * @param finish from a decoded picture to the result
 */
record InpaintRegion(InitImage init, GrayImage mask, UnaryOperator<BufferedImage> finish) {

  static InpaintRegion of(InitImage init, InpaintMask inpaint, GenerationRequest.Size size) {
    GrayImage prepared = inpaint.prepared();
    BufferedImage original = Alpha.drop(init.image());
    if (inpaint.cropPadding() == null) {
      UnaryOperator<BufferedImage> finish =
          inpaint.overlay()
              ? generated -> Masks.overlay(original, generated, prepared)
              : UnaryOperator.identity();
      return new InpaintRegion(filled(init, original, prepared, inpaint.fill()), prepared, finish);
    }
    // diffusers: get_crop_region, then image.crop(...) and resize_mode="fill" for picture and mask
    int[] box = Masks.cropRegion(prepared, size.width(), size.height(), inpaint.cropPadding());
    BufferedImage cropped = original.getSubimage(box[0], box[1], box[2] - box[0], box[3] - box[1]);
    BufferedImage fitted = ResizeMode.RESIZE_AND_FILL.fit(cropped, size.width(), size.height());
    GrayImage fittedMask =
        ResizeMode.RESIZE_AND_FILL.fit(Masks.crop(prepared, box), size.width(), size.height());
    UnaryOperator<BufferedImage> finish =
        inpaint.originalSize()
            ? generated -> Masks.pasteBackA1111(original, prepared, generated, box)
            : generated -> Masks.pasteBack(original, prepared, generated, box);
    InitImage crop = new InitImage(fitted, init.strength());
    return new InpaintRegion(filled(crop, fitted, fittedMask, inpaint.fill()), fittedMask, finish);
  }

  /** A1111 fills the masked pixels (its masking.fill) for every masked content but "original". */
  private static InitImage filled(
      InitImage init, BufferedImage picture, GrayImage mask, InpaintMask.Fill fill) {
    if (fill == InpaintMask.Fill.ORIGINAL) return init;
    return new InitImage(Masks.fill(picture, mask), init.strength());
  }
}
