package org.altdiffusion.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import org.altdiffusion.io.png.PngText;

/** PNG files as AUTOMATIC1111 writes them: the picture and its {@code parameters} text. */
public final class Png {
  private Png() {}

  /**
   * PNG bytes of {@code img} with the A1111 {@code parameters} text when {@code parameters} is not
   * null.
   */
  public static byte[] encode(BufferedImage img, String parameters) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] bytes = out.toByteArray();
    return parameters == null ? bytes : PngText.withText(bytes, "parameters", parameters);
  }
}
