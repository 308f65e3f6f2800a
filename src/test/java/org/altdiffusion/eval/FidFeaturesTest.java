package org.altdiffusion.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.Npz;
import org.altdiffusion.models.inception.FidInceptionV3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FidFeaturesTest {
  @Test
  void anNpzOfAnotherDimensionIsRefused(@TempDir Path tmp) {
    Path npz = tmp.resolve("ref.npz");
    Npz.write(
        npz,
        new java.util.LinkedHashMap<>(
            Map.of(
                "mu", Npz.Array.of(new double[] {0, 0}, 2),
                "sigma", Npz.Array.of(new double[] {1, 0, 0, 1}, 2, 2))));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> FidFeatures.reference(new FidInceptionV3(), npz));
    assertTrue(
        e.getMessage().contains("dimension 2; FID's pool features have 2048"), e.getMessage());
  }

  @Test
  void unreadablePicturesInAReferenceFolderAreSkippedAndCounted(@TempDir Path tmp)
      throws Exception {
    for (int i = 0; i < 3; i++) {
      BufferedImage img = new BufferedImage(23 + i, 17, BufferedImage.TYPE_INT_RGB);
      img.setRGB(i, i, 0xff8040);
      ImageIO.write(img, "png", tmp.resolve("ok" + i + ".png").toFile());
    }
    Files.writeString(tmp.resolve("broken.png"), "not a picture");
    Files.writeString(tmp.resolve("notes.txt"), "ignored: not a picture extension");
    FidInceptionV3 net = new FidInceptionV3();
    net.initialize(Tensors.generator(0));
    try {
      FidFeatures.Reference r = FidFeatures.reference(net, tmp);
      assertEquals(3, r.used());
      assertEquals(1, r.skipped());
      assertEquals(2048, r.statistics().dim());
    } finally {
      net.clear();
    }
  }
}
