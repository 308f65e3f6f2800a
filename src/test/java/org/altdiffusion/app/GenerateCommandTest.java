package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.Infotext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {
  static final String MODEL = "src/test/resources/fixtures/pipeline/tiny-altdiffusion";

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void writesPngsWithParametersThatInfoReadsBack(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("cat.png");
    Run r =
        run(
            "generate",
            "--model",
            MODEL,
            "--prompt",
            "一只红色的猫",
            "-n",
            "blurry",
            "--steps",
            "3",
            "--seed",
            "3",
            "--sampler",
            "euler_a",
            "-W",
            "32",
            "-H",
            "32",
            "--batch",
            "2",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    Infotext second =
        Infotext.parse(
            PngText.read(Files.readAllBytes(tmp.resolve("cat-1.png"))).get("parameters"));
    assertEquals("一只红色的猫", second.prompt());
    assertEquals("blurry", second.negativePrompt());
    assertEquals("4", second.settings().get("Seed"));
    assertEquals("Euler a", second.settings().get("Sampler"));
    assertEquals("32x32", second.settings().get("Size"));
    Run info = run("info", tmp.resolve("cat-0.png").toString());
    assertEquals(0, info.code());
    assertTrue(info.out().contains("Seed: 3"), info.out());
  }

  @Test
  void sameSeedSameImage(@TempDir Path tmp) throws Exception {
    for (String name : new String[] {"a.png", "b.png"}) {
      assertEquals(
          0,
          run(
                  "generate",
                  "--model",
                  MODEL,
                  "-p",
                  "x",
                  "--steps",
                  "2",
                  "-s",
                  "9",
                  "-W",
                  "16",
                  "-H",
                  "16",
                  "--quiet",
                  "--out",
                  tmp.resolve(name).toString())
              .code());
    }
    assertArrayEquals(
        Files.readAllBytes(tmp.resolve("a.png")), Files.readAllBytes(tmp.resolve("b.png")));
  }

  @Test
  void badInputFailsBeforeAnyWorkWithAClearMessage(@TempDir Path tmp) throws Exception {
    assertError(
        "width must be a multiple of 8",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "-W",
        "30",
        "--out",
        tmp.toString());
    assertError(
        "steps must be between 1 and 1000, got 0",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--steps",
        "0");
    assertError(
        "guidance must be a number >= 0",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--guidance",
        "-1");
    // checked before the model loads: the folder given does not even exist
    assertError(
        "unknown sampler 'warp drive'; valid: \"PNDM\"",
        "generate",
        "--model",
        tmp.resolve("nope").toString(),
        "-p",
        "x",
        "--sampler",
        "warp drive",
        "--out",
        tmp.toString());
    assertError(
        "model not found: expected a diffusers model folder",
        "generate",
        "--model",
        tmp.resolve("nope").toString(),
        "-p",
        "x",
        "--out",
        tmp.toString());
    Path file = Files.writeString(tmp.resolve("file.txt"), "x");
    assertError(
        "exists and is not a folder",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--out",
        file.toString());
    assertError(
        "--init-image",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--init-image",
        file.toString(),
        "--out",
        tmp.toString());
  }

  @Test
  void hiresScaleWritesTheLargerPictureWithA1111sFields(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("big.png");
    Run r =
        run(
            "generate",
            "--model",
            MODEL,
            "-p",
            "x",
            "--steps",
            "3",
            "-s",
            "5",
            "-W",
            "16",
            "-H",
            "24",
            "--hires-scale",
            "2",
            "--hires-steps",
            "4",
            "--hires-upscaler",
            "Lanczos",
            "--hires-strength",
            "0.5",
            "--quiet",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    byte[] png = Files.readAllBytes(out);
    var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
    assertEquals(32, image.getWidth());
    assertEquals(48, image.getHeight());
    Infotext info = Infotext.parse(PngText.read(png).get("parameters"));
    assertEquals("16x24", info.settings().get("Size"));
    assertEquals("2", info.settings().get("Hires upscale"));
    assertEquals("4", info.settings().get("Hires steps"));
    assertEquals("Lanczos", info.settings().get("Hires upscaler"));
    assertEquals("0.5", info.settings().get("Denoising strength"));
    assertError(
        "unknown hires upscaler \"R-ESRGAN 4x+\"; accepted: Latent",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "-W",
        "16",
        "-H",
        "16",
        "--hires-scale",
        "2",
        "--hires-upscaler",
        "R-ESRGAN 4x+",
        "--out",
        tmp.toString());
    assertError(
        "--hires-sampler and --hires-schedule need --hires-scale or --hires-resize",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--hires-prompt",
        "y",
        "--out",
        tmp.toString());
    assertError(
        "--hires-resize must be WIDTHxHEIGHT",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--hires-resize",
        "32",
        "--out",
        tmp.toString());
    assertError(
        "need --hires-scale",
        "generate",
        "--model",
        MODEL,
        "-p",
        "x",
        "--hires-steps",
        "5",
        "--out",
        tmp.toString());
  }

  @Test
  void hiresResizePromptAndSamplerOptionsReachTheSecondPass(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("resized.png");
    Run r =
        run(
            "generate",
            "--model",
            MODEL,
            "-p",
            "x",
            "--steps",
            "3",
            "-s",
            "5",
            "-W",
            "16",
            "-H",
            "24",
            "--sampler",
            "Euler a",
            "--hires-resize",
            "32x32",
            "--hires-prompt",
            "a tower",
            "--hires-negative-prompt",
            "fog",
            "--hires-sampler",
            "Euler",
            "--hires-schedule",
            "Karras",
            "--quiet",
            "--out",
            out.toString());
    assertEquals(0, r.code(), r.err());
    byte[] png = Files.readAllBytes(out);
    var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
    assertEquals(32, image.getWidth());
    assertEquals(32, image.getHeight());
    Infotext info = Infotext.parse(PngText.read(png).get("parameters"));
    assertEquals("32x32", info.settings().get("Hires resize"));
    assertEquals("a tower", info.settings().get("Hires prompt"));
    assertEquals("fog", info.settings().get("Hires negative prompt"));
    assertEquals("Euler", info.settings().get("Hires sampler"));
    assertEquals("Karras", info.settings().get("Hires schedule type"));
    assertFalse(info.settings().containsKey("Hires upscale"));
  }

  private static void assertError(String expected, String... args) {
    Run r = run(args);
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
    assertFalse(r.err().contains("Exception raised from"), r.err());
  }
}
