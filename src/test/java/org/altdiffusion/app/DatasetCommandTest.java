package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.tiny.data.ShapesDataset;
import org.altdiffusion.tiny.data.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCommandTest {

  @Test
  void writesPreviewCaptionsAndImages(@TempDir Path dir) throws Exception {
    String[] out = new String[1];
    int code =
        run(
            out,
            null,
            "dataset",
            "--out",
            dir.toString(),
            "--seed",
            "5",
            "--count",
            "20",
            "--split",
            "heldout",
            "--images",
            "--check");
    assertEquals(0, code);
    assertTrue(out[0].contains("wrote 20 heldout samples (seed 5)"), out[0]);
    assertTrue(out[0].contains("oracle: 20/20 pictures read back exactly"), out[0]);

    BufferedImage preview = ImageIO.read(dir.resolve("preview.png").toFile());
    assertEquals(16 * 64, preview.getWidth());
    assertEquals(2 * 64, preview.getHeight());
    List<String> lines = Files.readAllLines(dir.resolve("captions.jsonl"), StandardCharsets.UTF_8);
    assertEquals(20, lines.size());
    ShapesDataset data = ShapesDataset.of(5, Split.HELDOUT, 20);
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 20; i++) {
      JsonNode line = json.readTree(lines.get(i));
      assertEquals(i, line.get("index").asInt());
      assertEquals(data.get(i).attributes().shape().key(), line.get("shape").asText());
      assertEquals(18, line.get("captions").size());
      assertEquals(data.get(i).englishCaption(), line.get("captions").get("en").asText());
      assertEquals(
          data.get(i).caption(org.altdiffusion.tiny.data.Language.ZH),
          line.get("captions").get("zh").asText());
    }
    List<String> held = Files.readAllLines(dir.resolve("heldout.txt"), StandardCharsets.UTF_8);
    assertEquals(49, held.size());
    assertTrue(
        held.contains(data.get(0).englishCaption()), "heldout.txt lists the held-out prompts");
    BufferedImage first = ImageIO.read(dir.resolve("images/heldout-000000.png").toFile());
    assertEquals(data.get(0).rgb()[100], first.getRGB(100 % 64, 100 / 64) & 0xFFFFFF);
    assertEquals(data.get(0).rgb()[100], preview.getRGB(100 % 64, 100 / 64) & 0xFFFFFF);
  }

  @Test
  void badArgumentsAreNamed(@TempDir Path dir) {
    String[] err = new String[1];
    assertEquals(1, run(null, err, "dataset", "--out", dir.toString(), "--split", "test"));
    assertEquals(
        "error: unknown split 'test'; accepted: train, validation, heldout", err[0].strip());
    assertEquals(1, run(null, err, "dataset", "--out", dir.toString(), "--count", "0"));
    assertEquals("error: --count must be 1..1000000, got 0", err[0].strip());
    assertEquals(1, run(null, err, "dataset"));
    assertEquals("error: --out DIR is required (or --review FILE.md)", err[0].strip());
  }

  /**
   * Runs the CLI (GenerateCommandTest.run), puts its stdout / stderr into out[0] / err[0] when
   * given.
   */
  private static int run(String[] out, String[] err, String... args) {
    GenerateCommandTest.Run r = GenerateCommandTest.run(args);
    if (out != null) out[0] = r.out();
    if (err != null) err[0] = r.err();
    return r.code();
  }
}
