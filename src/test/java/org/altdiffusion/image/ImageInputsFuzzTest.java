package org.altdiffusion.image;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.awt.image.BufferedImage;
import java.util.List;
import org.altdiffusion.testing.FuzzOutcome;

/**
 * Coverage-guided fuzzing (Jazzer) of uploaded pictures and masks: {@link ImageDecoder} (header
 * check, then Java's PNG/JPEG/GIF/BMP readers), then what the server does with a picture (alpha
 * flattened to 8-bit RGB) and with a mask (A1111's luminance, blur, crop region). A picture is read
 * or refused with a {@link BadImageException}; a mask with nothing to crop around is refused by
 * {@link Masks#cropRegion} with an {@code IllegalArgumentException} of ours. The limits are smaller
 * than the server's so that an input can claim a big picture without each run allocating hundreds
 * of megabytes; the header check is the same code. Corpus in {@code ImageInputsFuzzTestInputs/}.
 */
class ImageInputsFuzzTest {
  private static final ImageLimits LIMITS = new ImageLimits(1024, 256L * 1024);

  @FuzzTest(maxDuration = "10m")
  void pictureAndMask(byte[] bytes) {
    FuzzOutcome.acceptedOrRefused(
        List.of(BadImageException.class, IllegalArgumentException.class),
        () -> {
          BufferedImage image = ImageDecoder.decode(bytes, LIMITS);
          BufferedImage rgb = Alpha.flatten(image, Alpha.WHITE);
          GrayImage mask = Masks.a1111(image);
          Masks.cropRegion(Masks.blur(mask, 4, 4), rgb.getWidth(), rgb.getHeight(), 8);
        });
  }
}
