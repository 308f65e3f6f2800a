package org.altdiffusion.app;

import static org.altdiffusion.app.GenerateCommandTest.MODEL;
import static org.altdiffusion.app.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.altdiffusion.app.GenerateCommandTest.Run;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.Infotext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --init-image --mask}: inpainting from the command line. */
class GenerateInpaintTest {

  static BufferedImage picture(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 5) << 16 | (y * 7) << 8 | 90);
    return img;
  }

  /** White (repaint) in the right half, scaled to w x h. */
  static BufferedImage rightHalf(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++)
      for (int x = w / 2; x < w; x++) img.getRaster().setSample(x, y, 0, 255);
    return img;
  }

  static Path png(Path file, BufferedImage img) throws Exception {
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  static BufferedImage read(Path file) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(file)));
  }

  static String[] args(Path init, Path mask, Path out, String... more) {
    String[] base = {
      "generate",
      "--model",
      MODEL,
      "-p",
      "a flower",
      "--steps",
      "2",
      "--seed",
      "4",
      "--quiet",
      "--init-image",
      init.toString(),
      "--mask",
      mask.toString(),
      "--out",
      out.toString()
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void inpaintsWithAMaskOfAnotherSizeAndOverlaysTheOriginal(@TempDir Path tmp) throws Exception {
    BufferedImage original = picture(48, 32);
    Path init = png(tmp.resolve("init.png"), original);
    Path mask = png(tmp.resolve("mask.png"), rightHalf(24, 16));
    Path out = tmp.resolve("out.png");
    Run r = run(args(init, mask, out, "--mask-blur", "1")); // A1111's overlay by default
    Run filled =
        run(
            args(
                init,
                mask,
                tmp.resolve("filled.png"),
                "--fill",
                "latent-noise",
                "--strength",
                "0.7"));
    assertEquals(0, filled.code(), filled.err());
    Infotext filledInfo =
        Infotext.parse(
            PngText.read(Files.readAllBytes(tmp.resolve("filled.png"))).get("parameters"));
    assertEquals("latent noise", filledInfo.settings().get("Masked content"));
    assertEquals(0, r.code(), r.err());
    assertTrue(
        r.err().contains("--mask is 24x16, the init image 48x32: resizing the mask to 48x32"),
        r.err());
    Infotext info = Infotext.parse(PngText.read(Files.readAllBytes(out)).get("parameters"));
    assertEquals("1", info.settings().get("Denoising strength"), "inpainting defaults to 1.0");
    assertEquals("1", info.settings().get("Mask blur"));
    BufferedImage result = read(out);
    int changedRight = 0;
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 12; x++) // left of the resized, blurred edge: the original, exactly
      assertEquals(original.getRGB(x, y), result.getRGB(x, y), "kept pixel " + x + "," + y);
      for (int x = 28; x < 48; x++)
        if (original.getRGB(x, y) != result.getRGB(x, y)) changedRight++;
    }
    assertTrue(changedRight > 300, "the masked half is repainted: " + changedRight);
    Path raw = tmp.resolve("raw.png");
    Run plain = run(args(init, mask, raw, "--mask-blur", "1", "--no-overlay"));
    assertEquals(0, plain.code(), plain.err());
    int changedLeft = 0;
    BufferedImage decoded = read(raw);
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 12; x++) if (original.getRGB(x, y) != decoded.getRGB(x, y)) changedLeft++;
    assertTrue(changedLeft > 0, "--no-overlay: diffusers' decoded picture, the VAE's round trip");
  }

  @Test
  void onlyMaskedKeepsTheOriginalsSizeAsA1111(@TempDir Path tmp) throws Exception {
    BufferedImage original = picture(48, 32); // the model's size is 16x16 (tiny fixture)
    Path init = png(tmp.resolve("init.png"), original);
    Path mask = png(tmp.resolve("mask.png"), rightHalf(48, 32));
    Path out = tmp.resolve("out.png");
    Run r =
        run(
            args(
                init,
                mask,
                out,
                "--inpaint-only-masked",
                "--mask-padding",
                "4",
                "--fill",
                "fill",
                "--strength",
                "0.75",
                "--mask-blur-x",
                "2",
                "--mask-blur-y",
                "0",
                "--width",
                "16",
                "--height",
                "16"));
    assertEquals(0, r.code(), r.err());
    BufferedImage result = read(out);
    assertEquals(48, result.getWidth(), "A1111 pastes the crop back into the original");
    assertEquals(32, result.getHeight());
    Infotext info = Infotext.parse(PngText.read(Files.readAllBytes(out)).get("parameters"));
    assertEquals("fill", info.settings().get("Masked content"));
    assertEquals("2", info.settings().get("Mask blur X"));
    assertEquals("0", info.settings().get("Mask blur Y"));
    assertEquals("Only masked", info.settings().get("Inpaint area"));
    assertEquals("4", info.settings().get("Masked area padding"));
    int changedRight = 0;
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 24 - 6; x++) // left of the blurred edge (2 px blur: 6 px reach)
      assertEquals(original.getRGB(x, y), result.getRGB(x, y), "kept pixel " + x + "," + y);
      for (int x = 30; x < 48; x++)
        if (original.getRGB(x, y) != result.getRGB(x, y)) changedRight++;
    }
    assertTrue(changedRight > 300, "the masked half is repainted: " + changedRight);
    assertError(
        "do not go together",
        args(init, mask, tmp, "--inpaint-only-masked", "--mask-crop-padding", "4"));
    assertError(
        "--fill blurry is unknown; accepted: original, fill, latent-noise, latent-nothing",
        args(init, mask, tmp, "--fill", "blurry"));
  }

  @Test
  void anAllBlackMaskWritesTheOriginal(@TempDir Path tmp) throws Exception {
    BufferedImage original = picture(48, 32);
    Path init = png(tmp.resolve("init.png"), original);
    Path mask =
        png(tmp.resolve("mask.png"), new BufferedImage(48, 32, BufferedImage.TYPE_BYTE_GRAY));
    Path out = tmp.resolve("out.png");
    Run r = run(args(init, mask, out));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("the mask repaints nothing"), r.err());
    BufferedImage result = read(out);
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 48; x++) assertEquals(original.getRGB(x, y), result.getRGB(x, y));
    // inverted, the same black mask repaints everything
    Run inverted = run(args(init, mask, tmp.resolve("inv.png"), "--invert-mask"));
    assertEquals(0, inverted.code(), inverted.err());
    assertFalse(inverted.err().contains("repaints nothing"), inverted.err());
  }

  @Test
  void aMaskWithTransparencyIsReadByItsAlpha() {
    BufferedImage strokes = new BufferedImage(4, 1, BufferedImage.TYPE_INT_ARGB);
    strokes.setRGB(0, 0, 0x00ffffff); // transparent white: keep
    strokes.setRGB(1, 0, 0x80000000); // alpha 128: keep (A1111: > 128 repaints)
    strokes.setRGB(2, 0, 0x81000000); // alpha 129, black: repaint
    strokes.setRGB(3, 0, 0xff000000); // opaque black: repaint
    GrayImage m = GenerateCommand.maskValues(strokes);
    assertArrayEquals(new int[] {0, 0, 255, 255}, m.values());
    BufferedImage opaque = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    opaque.setRGB(0, 0, 0xff000000);
    opaque.setRGB(1, 0, 0xffffffff);
    assertArrayEquals(new int[] {0, 255}, GenerateCommand.maskValues(opaque).values());
  }

  @Test
  void badMasksFailWithAClearMessage(@TempDir Path tmp) throws Exception {
    Path init = png(tmp.resolve("init.png"), picture(48, 32));
    Path mask = png(tmp.resolve("mask.png"), rightHalf(48, 32));
    Path text = Files.writeString(tmp.resolve("mask.txt"), "not a picture");
    assertError(
        "--mask needs --init-image",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--mask",
        mask.toString(),
        "--out",
        tmp.toString());
    assertError("--mask " + text, args(init, text, tmp));
    assertError("no such file", args(init, tmp.resolve("none.png"), tmp));
    assertError(
        "mask blur must be between 0 and 64 pixels, got 65",
        args(init, mask, tmp, "--mask-blur", "65"));
    assertError(
        "denoising strength must be between 0 and 1", args(init, mask, tmp, "--strength", "1.5"));
  }

  private static void assertError(String expected, String... args) {
    Run r = run(args);
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
  }
}
