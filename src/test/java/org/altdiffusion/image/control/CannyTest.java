package org.altdiffusion.image.control;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.GrayImage;
import org.altdiffusion.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Canny against opencv-python's cv2.Canny (tools/reference/make_canny_fixtures.py): 30 cases on 15
 * varied pictures (noise, blurred noise, gradients, shapes, rings, checkers, flat, a single pixel,
 * thin and 3x3 pictures, per-channel edges, a gray picture), L1 and L2 gradients, swapped, zero and
 * fractional thresholds: every pixel identical.
 */
class CannyTest {
  static final Path DIR = Path.of("src/test/resources/fixtures/canny");

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void identicalToOpenCv() throws Exception {
    JsonNode fixture = new ObjectMapper().readTree(DIR.resolve("canny.json").toFile());
    long pixels = 0;
    long differing = 0;
    int cases = 0;
    try (var ref = SafeTensors.open(DIR.resolve("canny.safetensors"))) {
      for (JsonNode c : fixture.get("cases")) {
        int i = c.get("index").asInt();
        long[] shape = ref.shape("image" + i);
        long[] v = Tensors.toLongs(ref.loadRaw("image" + i));
        long[] expected = Tensors.toLongs(ref.loadRaw("edges" + i));
        int h = (int) shape[0];
        int w = (int) shape[1];
        double low = c.get("low").asDouble();
        double high = c.get("high").asDouble();
        boolean l2 = c.get("l2gradient").asBoolean();
        GrayImage got =
            shape.length == 2
                ? Canny.edges(new GrayImage(w, h, toInts(v)), low, high, l2)
                : Canny.edges(rgb(v, w, h), low, high, l2);
        int wrong = 0;
        for (int p = 0; p < expected.length; p++) if (got.values()[p] != expected[p]) wrong++;
        pixels += expected.length;
        differing += wrong;
        cases++;
        assertEquals(0, wrong, "case " + i + " (" + c.get("picture").asText() + ")");
      }
    }
    System.out.printf(
        "Canny vs OpenCV %s: %d cases, %d of %d pixels differ%n",
        fixture.get("opencv").asText(), cases, differing, pixels);
    assertTrue(cases >= 20);
  }

  @Test
  void negativeThresholdsAreRefused() {
    var img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
    var e = assertThrows(IllegalArgumentException.class, () -> Canny.edges(img, -1, 10, false));
    assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
  }

  static BufferedImage rgb(long[] hwc, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        int b = (y * w + x) * 3;
        img.setRGB(x, y, (int) (hwc[b] << 16 | hwc[b + 1] << 8 | hwc[b + 2]));
      }
    return img;
  }

  private static int[] toInts(long[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
    return out;
  }
}
