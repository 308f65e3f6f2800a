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
 * The model-free preprocessors: scribble against OpenCV's gray conversion and inverse binary
 * threshold (tools/reference/make_canny_fixtures.py), invert, names.
 */
class PreprocessorTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void scribbleIsOpenCvsGrayInverseThreshold() throws Exception {
    Path dir = CannyTest.DIR;
    JsonNode fixture = new ObjectMapper().readTree(dir.resolve("canny.json").toFile());
    int cases = 0;
    try (var ref = SafeTensors.open(dir.resolve("canny.safetensors"))) {
      for (JsonNode c : fixture.get("scribble")) {
        int k = c.get("index").asInt();
        long[] shape = ref.shape("scribble_image" + k);
        BufferedImage img =
            CannyTest.rgb(
                Tensors.toLongs(ref.loadRaw("scribble_image" + k)), (int) shape[1], (int) shape[0]);
        GrayImage got = Preprocessor.binaryInverse(img, c.get("threshold").asInt());
        long[] expected = Tensors.toLongs(ref.loadRaw("scribble" + k));
        for (int p = 0; p < expected.length; p++)
          assertEquals(expected[p], got.values()[p], "case " + k + " pixel " + p);
        cases++;
      }
    }
    assertTrue(cases >= 10);
  }

  @Test
  void invertAndNames() {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0x102030);
    img.setRGB(1, 0, 0xFFFFFF);
    BufferedImage inv = Preprocessor.INVERT.apply(img, Preprocessor.Settings.defaults());
    assertEquals(0xEFDFCF, inv.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0, inv.getRGB(1, 0) & 0xFFFFFF);
    assertEquals(Preprocessor.CANNY, Preprocessor.of("Canny"));
    var e = assertThrows(IllegalArgumentException.class, () -> Preprocessor.of("depth"));
    assertTrue(e.getMessage().contains("accepted: none, canny, scribble, invert"), e.getMessage());
  }
}
