package org.altdiffusion.app;

import static org.altdiffusion.app.GenerateCommandTest.MODEL;
import static org.altdiffusion.app.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.lora.LoraHashes;
import org.altdiffusion.pipeline.Infotext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate --lora FILE[:WEIGHT]}: applied, shown in the infotext, bad input refused. */
class GenerateLoraCommandTest {
  static final Path LORAS = Path.of("src/test/resources/fixtures/lora");
  static final String KOHYA = LORAS.resolve("kohya_locon.safetensors").toString();
  static final String PEFT = LORAS.resolve("peft.safetensors").toString();

  static GenerateCommandTest.Run generate(Path out, String... loraArgs) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                MODEL,
                "-p",
                "a cat",
                "--steps",
                "2",
                "-s",
                "5",
                "-W",
                "16",
                "-H",
                "16",
                "--quiet",
                "--out",
                out.toString()));
    for (String a : loraArgs) {
      args.add("--lora");
      args.add(a);
    }
    return run(args.toArray(String[]::new));
  }

  @Test
  void lorasChangeThePictureAndAreNamedWithA1111sHashes(@TempDir Path tmp) throws Exception {
    assertEquals(0, generate(tmp.resolve("plain.png")).code());
    GenerateCommandTest.Run r = generate(tmp.resolve("lora.png"), KOHYA + ":0.7", PEFT + ":-0.3");
    assertEquals(0, r.code(), r.err());
    assertFalse(
        java.util.Arrays.equals(
            Files.readAllBytes(tmp.resolve("plain.png")),
            Files.readAllBytes(tmp.resolve("lora.png"))));
    Infotext info =
        Infotext.parse(PngText.read(Files.readAllBytes(tmp.resolve("lora.png"))).get("parameters"));
    assertEquals(
        "kohya_locon: "
            + LoraHashes.shortHash(Path.of(KOHYA))
            + ", peft: "
            + LoraHashes.shortHash(Path.of(PEFT)),
        info.settings().get("Lora hashes"));
    // the weights are restored: the same request without LoRAs gives the first picture again
    assertEquals(0, generate(tmp.resolve("again.png")).code());
    assertArrayEquals(
        Files.readAllBytes(tmp.resolve("plain.png")), Files.readAllBytes(tmp.resolve("again.png")));
  }

  @Test
  void badLoraArgumentsAndFilesAreClearErrors(@TempDir Path tmp) throws Exception {
    GenerateCommandTest.Run notNumber = generate(tmp.resolve("a.png"), KOHYA + ":strong");
    assertNotEquals(0, notNumber.code());
    assertTrue(notNumber.err().contains("'strong' is not a number"), notNumber.err());
    GenerateCommandTest.Run missing =
        generate(tmp.resolve("b.png"), tmp.resolve("nope.safetensors") + ":0.5");
    assertNotEquals(0, missing.code());
    assertTrue(missing.err().contains("nope.safetensors: no such file"), missing.err());
    Path checkpoint = Path.of(MODEL, "unet", "diffusion_pytorch_model.safetensors");
    GenerateCommandTest.Run full = generate(tmp.resolve("c.png"), checkpoint.toString());
    assertNotEquals(0, full.code());
    assertTrue(full.err().contains("not a LoRA file"), full.err());
    assertFalse(Files.exists(tmp.resolve("c.png")));
  }

  static GenerateCommandTest.Run generatePrompt(Path out, String prompt, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                MODEL,
                "-p",
                prompt,
                "--steps",
                "2",
                "-s",
                "5",
                "-W",
                "16",
                "-H",
                "16",
                "--quiet",
                "--out",
                out.toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  static int[] pixels(Path png) throws Exception {
    java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }

  @Test
  void promptTagsGiveThePictureOfLoraArguments(@TempDir Path tmp) throws Exception {
    GenerateCommandTest.Run byArgs = generate(tmp.resolve("args.png"), PEFT + ":0.8");
    assertEquals(0, byArgs.code(), byArgs.err());
    GenerateCommandTest.Run byTag =
        generatePrompt(tmp.resolve("tag.png"), "a cat<lora:peft:0.8>", "--loras", LORAS.toString());
    assertEquals(0, byTag.code(), byTag.err());
    assertArrayEquals(pixels(tmp.resolve("args.png")), pixels(tmp.resolve("tag.png")));
    Infotext info =
        Infotext.parse(PngText.read(Files.readAllBytes(tmp.resolve("tag.png"))).get("parameters"));
    assertEquals("a cat<lora:peft:0.8>", info.prompt()); // the prompt as written, as A1111
    assertEquals(
        "peft: " + LoraHashes.shortHash(Path.of(PEFT)), info.settings().get("Lora hashes"));
    // without the LoRA the tag-free prompt gives another picture: the tag did the work
    assertEquals(0, generate(tmp.resolve("plain.png")).code());
    assertFalse(
        java.util.Arrays.equals(pixels(tmp.resolve("plain.png")), pixels(tmp.resolve("tag.png"))));
  }

  @Test
  void separateTextEncoderAndUNetWeightsByTagAndByArgument(@TempDir Path tmp) throws Exception {
    String both = LORAS.resolve("te_unet.safetensors").toString();
    assertEquals(0, generate(tmp.resolve("args.png"), both + ":0.4:1.3").code());
    GenerateCommandTest.Run byTag =
        generatePrompt(
            tmp.resolve("tag.png"), "a cat<lora:te_unet:0.4:1.3>", "--loras", LORAS.toString());
    assertEquals(0, byTag.code(), byTag.err());
    assertArrayEquals(pixels(tmp.resolve("args.png")), pixels(tmp.resolve("tag.png")));
    // the text encoder's part alone changes the picture: the first weight is applied to it
    assertEquals(0, generate(tmp.resolve("te.png"), both + ":1:0").code());
    assertEquals(0, generate(tmp.resolve("plain.png")).code());
    assertFalse(
        java.util.Arrays.equals(pixels(tmp.resolve("plain.png")), pixels(tmp.resolve("te.png"))));
    assertFalse(
        java.util.Arrays.equals(pixels(tmp.resolve("args.png")), pixels(tmp.resolve("te.png"))));
  }

  @Test
  void unknownOrBadPromptTagsAreClearErrors(@TempDir Path tmp) throws Exception {
    GenerateCommandTest.Run unknown =
        generatePrompt(tmp.resolve("a.png"), "a cat <lora:ink:1>", "--loras", LORAS.toString());
    assertNotEquals(0, unknown.code());
    assertTrue(
        unknown.err().contains("unknown LoRA 'ink': known in " + LORAS + ": kohya_locon,"),
        unknown.err());
    GenerateCommandTest.Run bad =
        generatePrompt(tmp.resolve("b.png"), "a cat <lora:peft:lots>", "--loras", LORAS.toString());
    assertNotEquals(0, bad.code());
    assertTrue(bad.err().contains("the weight 'lots' is not a number"), bad.err());
    GenerateCommandTest.Run path =
        generatePrompt(tmp.resolve("c.png"), "<lora:../lora/peft:1>", "--loras", LORAS.toString());
    assertNotEquals(0, path.code());
    assertTrue(path.err().contains("not a path"), path.err());
    GenerateCommandTest.Run noFolder =
        generatePrompt(
            tmp.resolve("d.png"), "<lora:peft>", "--loras", tmp.resolve("none").toString());
    assertNotEquals(0, noFolder.code());
    assertTrue(noFolder.err().contains("does not exist"), noFolder.err());
    assertFalse(Files.exists(tmp.resolve("a.png")));
  }
}
