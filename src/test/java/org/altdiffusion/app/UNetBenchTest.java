package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Option checks of {@code bench unet} (refused before any model is built) and its two configs. */
class UNetBenchTest {
  @Test
  void badOptionsAreRefusedWithTheOptionName(@TempDir Path tmp) {
    String[][] cases = {
      {"--steps", "0"},
      {"--size", "12"},
      {"--size", "4"},
      {"--size", "512"},
      {"--json", tmp.toString()},
    };
    String[] named = {"--steps", "--size", "--size", "--size", "--json"};
    for (int i = 0; i < cases.length; i++) {
      GenerateCommandTest.Run r =
          GenerateCommandTest.run("bench", "unet", cases[i][0], cases[i][1]);
      assertEquals(1, r.code(), String.join(" ", cases[i]));
      assertTrue(r.err().contains(named[i]), r.err());
    }
    GenerateCommandTest.Run usage = GenerateCommandTest.run("bench", "unet", "--steps", "many");
    assertEquals(2, usage.code(), "picocli usage error");
  }

  @Test
  void configsAreTheFullSizeStableDiffusionOnes() {
    // Architectures only: no weights are allocated before initialize().
    assertEquals(
        865_910_724L,
        new UNet2DConditionModel(UNetBench.unetConfig(false)).parameterCount(),
        "SD 2.1 / m18");
    assertEquals(
        859_520_964L,
        new UNet2DConditionModel(UNetBench.unetConfig(true)).parameterCount(),
        "SD 1.x / m9");
    assertEquals(
        83_653_863L,
        new org.altdiffusion.models.vae.AutoencoderKL(UNetBench.vaeConfig()).parameterCount(),
        "SD VAE");
  }
}
