package org.altdiffusion.app;

import static org.altdiffusion.app.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.tiny.data.Stripes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped demo LoRA (models/lora/stripes.safetensors, kohya format, under 2 MB) on the built-in
 * model: {@code <lora:stripes:1>} in the prompt and {@code --lora FILE:1} give the same picture,
 * which has striped background where the picture without it has none; the shape is still drawn.
 */
class DemoLoraTest {
  static final Path LORA = Path.of("models/lora/stripes.safetensors");

  static BufferedImage generate(Path out, String prompt, String... more) throws Exception {
    String[] args = {
      "generate", "-p", prompt, "--steps", "25", "-s", "3", "--quiet", "--out", out.toString()
    };
    String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    GenerateCommandTest.Run r = run(all);
    assertEquals(0, r.code(), r.err());
    return ImageIO.read(out.toFile());
  }

  @Test
  void tagAndFileGiveTheSameStripedPicture(@TempDir Path tmp) throws Exception {
    assertTrue(Files.size(LORA) < 2_000_000, "the demo LoRA is under 2 MB");
    try (var f = SafeTensors.open(LORA)) {
      assertEquals("stripes", f.metadata().get("ss_output_name"));
      assertTrue(f.keys().stream().allMatch(k -> k.startsWith("lora_unet_")), "kohya names");
    }
    String prompt = "一个红色的大圆形在左边";
    BufferedImage plain = generate(tmp.resolve("plain.png"), prompt);
    BufferedImage tagged =
        generate(tmp.resolve("tag.png"), prompt + " <lora:stripes:1>", "--loras", "models/lora");
    BufferedImage file = generate(tmp.resolve("file.png"), prompt, "--lora", LORA + ":1");
    int[] a = tagged.getRGB(0, 0, 64, 64, null, 0, 64);
    int[] b = file.getRGB(0, 0, 64, 64, null, 0, 64);
    assertArrayEquals(a, b, "<lora:stripes:1> and --lora FILE:1 differ");
    double without = Stripes.contrast(plain);
    double with = Stripes.contrast(file);
    System.out.printf("demo LoRA: stripe contrast %.1f without, %.1f with%n", without, with);
    assertTrue(without < Stripes.PRESENT, "stripes without the LoRA: " + without);
    assertTrue(with >= Stripes.PRESENT, "no stripes with the LoRA: " + with);
  }
}
