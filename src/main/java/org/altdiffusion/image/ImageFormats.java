package org.altdiffusion.image;

import javax.imageio.ImageIO;

/** The picture formats this build reads, as named in error messages. */
final class ImageFormats {
  /** Whether an ImageIO WebP reader is installed (the JDK has none). */
  static final boolean WEBP = ImageIO.getImageReadersByFormatName("webp").hasNext();

  /** The formats that decode, for "accepted: ..." in messages. */
  static final String ACCEPTED = "PNG, JPEG, BMP, GIF" + (WEBP ? ", WebP" : "");

  private ImageFormats() {}

  /** RIFF....WEBP: a WebP file, whether or not it can be decoded. */
  static boolean isWebP(byte[] b) {
    return b.length >= 12
        && b[0] == 'R'
        && b[1] == 'I'
        && b[2] == 'F'
        && b[3] == 'F'
        && b[8] == 'W'
        && b[9] == 'E'
        && b[10] == 'B'
        && b[11] == 'P';
  }
}
