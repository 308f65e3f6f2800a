package org.altdiffusion.app;

import static org.altdiffusion.app.GenerateCommandTest.MODEL;
import static org.altdiffusion.app.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.*;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.control.Canny;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate --controlnet ... --control-image ...} and {@code preprocess}: the net changes the
 * picture, the edge map is Canny's, bad input is a clear error before any work.
 */
class GenerateControlNetCommandTest {
  static final String NET = "src/test/resources/fixtures/controlnet/cn-sd1";

  static Path shape(Path dir) throws Exception {
    BufferedImage img = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.RED);
    g.fillOval(6, 4, 20, 20);
    g.dispose();
    Path file = dir.resolve("shape.png");
    ImageIO.write(img, "png", file.toFile());
    return file;
  }

  static GenerateCommandTest.Run generate(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                MODEL,
                "-p",
                "a red circle",
                "--steps",
                "2",
                "-s",
                "5",
                "-W",
                "48",
                "-H",
                "32",
                "--quiet",
                "--out",
                out.toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void aControlNetChangesThePicture(@TempDir Path tmp) throws Exception {
    Path image = shape(tmp);
    assertEquals(0, generate(tmp.resolve("plain.png")).code());
    var r =
        generate(
            tmp.resolve("cn.png"),
            "--controlnet",
            NET + ":0.9",
            "--control-image",
            image.toString(),
            "--control-preprocess",
            "canny",
            "--control-end",
            "0.8");
    assertEquals(0, r.code(), r.err());
    assertFalse(
        java.util.Arrays.equals(
            Files.readAllBytes(tmp.resolve("plain.png")),
            Files.readAllBytes(tmp.resolve("cn.png"))));
  }

  @Test
  void preprocessWritesTheCannyMap(@TempDir Path tmp) throws Exception {
    Path image = shape(tmp);
    var r = run("preprocess", "canny", image.toString(), tmp.resolve("edges.png").toString());
    assertEquals(0, r.code(), r.err());
    BufferedImage written =
        ImageDecoder.decode(Files.readAllBytes(tmp.resolve("edges.png")), ImageLimits.UPLOADS);
    var expected = Canny.edges(ImageIO.read(image.toFile()), 100, 200, false);
    int edges = 0;
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 48; x++) {
        int v = expected.get(x, y);
        edges += v > 0 ? 1 : 0;
        assertEquals(v << 16 | v << 8 | v, written.getRGB(x, y) & 0xFFFFFF);
      }
    assertTrue(edges > 20, "the circle has edges: " + edges);
    // at the extension's processor_res: the 48x32 picture's short side scaled to 64
    var scaled =
        run(
            "preprocess",
            "canny",
            image.toString(),
            tmp.resolve("edges64.png").toString(),
            "--processor-res",
            "64");
    assertEquals(0, scaled.code(), scaled.err());
    BufferedImage at64 = ImageIO.read(tmp.resolve("edges64.png").toFile());
    assertEquals(96, at64.getWidth());
    assertEquals(64, at64.getHeight());
    var bad = run("preprocess", "depth", image.toString(), tmp.resolve("d.png").toString());
    assertTrue(bad.err().contains("accepted: none, canny, scribble, invert"), bad.err());
  }

  @Test
  void badControlNetArgumentsAreClearErrors(@TempDir Path tmp) throws Exception {
    String image = shape(tmp).toString();
    String out = tmp.resolve("x.png").toString();
    String[][] cases = {
      {"--controlnet", NET, "--control-image", image, "--control-image", image},
      {"--controlnet", NET + ":5", "--control-image", image},
      {
        "--controlnet",
        NET,
        "--control-image",
        image,
        "--control-start",
        "0.8",
        "--control-end",
        "0.2"
      },
      {"--controlnet", NET, "--control-image", image, "--control-preprocess", "depth"},
      {"--controlnet", tmp.resolve("nope").toString(), "--control-image", image},
      {
        "--controlnet",
        "src/test/resources/fixtures/controlnet/single/sd1.safetensors",
        "--control-image",
        image
      },
      {"--controlnet", NET, "--control-image", image, "--control-resize", "stretch"},
      {"--controlnet", NET, "--control-image", image, "--control-processor-res", "4096"},
      {"--controlnet", NET, "--control-image", image, "--control-mode", "strong"},
      {"--controlnet", NET, "--control-image", image, "--control-mode", "prompt", "--guess-mode"},
    };
    String[] expected = {
      "1 --controlnet but 2 --control-image",
      "scale must be between 0 and 2.0",
      "start below end",
      "accepted: none, canny, scribble, invert",
      "no such folder or file",
      "does not fit model tiny-altdiffusion",
      "accepted: just-resize, crop-and-resize, resize-and-fill",
      "--control-processor-res 4096: accepted 1..2048",
      "unknown control mode 'strong'; accepted: balanced (0",
      "cannot be combined with the control modes other than Balanced",
    };
    for (int i = 0; i < cases.length; i++) {
      var r = generate(Path.of(out), cases[i]);
      assertNotEquals(0, r.code(), expected[i]);
      assertTrue(r.err().contains(expected[i]), expected[i] + " in: " + r.err());
    }
  }
}
