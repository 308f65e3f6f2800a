package org.altdiffusion.models.vae;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.Fixtures;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parity of tiled decode/encode with diffusers 0.30.3's {@code enable_tiling} on a tiny random VAE
 * whose tiles are 32 pixels / 8 latents (fixtures/vae_tiling, tools/reference/
 * make_vae_tiling_fixtures.py): several tiles, edge tiles of one latent, in-place blending order.
 */
class VaeTilingTest {
  /** Model outputs in [-1, 1]: 1/255 of a pixel is 2/255 here; float32 parity is far below. */
  static final double TOLERANCE = 1e-5;

  static NoGradGuard noGrad;
  static Path dir;
  static AutoencoderKL vae;

  @BeforeAll
  static void init() {
    Torch.init();
    noGrad = new NoGradGuard();
    dir = Fixtures.dir("vae_tiling");
    vae = AutoencoderKL.fromPretrained(dir);
  }

  @AfterAll
  static void close() {
    vae.setTiling(false);
    noGrad.close();
  }

  @Test
  void tileSizesComeFromTheConfig() {
    assertEquals(32, vae.tileSampleSize());
    assertEquals(8, vae.tileLatentSize());
  }

  @Test
  void tiledDecodeMatchesDiffusers() {
    Scopes.run(
        () -> {
          Tensor latents = Fixtures.tensor(dir, "decode.latents"); // [2, 4, 14, 19]
          vae.setTiling(true);
          Tensor tiled = vae.decode(latents);
          vae.setTiling(false);
          Tensor plain = vae.decode(latents);
          assertEquals(List.of(2L, 3L, 56L, 76L), List.of(dims(tiled)));
          double diff =
              Fixtures.report(
                  "vae_tiling decode tiled", tiled, Fixtures.tensor(dir, "decode.tiled"));
          System.out.printf("  = %.2e of a 0..255 pixel%n", diff * 127.5);
          assertTrue(diff < TOLERANCE);
          assertTrue(
              Fixtures.report(
                      "vae_tiling decode plain", plain, Fixtures.tensor(dir, "decode.plain"))
                  < TOLERANCE);
          // the tiles are visible in a random model: tiling really changed the pass
          assertTrue(Fixtures.report("tiled vs plain (expected large)", tiled, plain) > 0.1);
        });
  }

  @Test
  void tiledEncodeMatchesDiffusers() {
    Scopes.run(
        () -> {
          Tensor image = Fixtures.tensor(dir, "encode.image"); // [2, 3, 60, 45]
          vae.setTiling(true);
          DiagonalGaussian tiled = vae.encode(image);
          vae.setTiling(false);
          DiagonalGaussian plain = vae.encode(image);
          assertTrue(
              Fixtures.report(
                      "vae_tiling encode mean",
                      tiled.mean(),
                      Fixtures.tensor(dir, "encode.tiled_mean"))
                  < TOLERANCE);
          assertTrue(
              Fixtures.report(
                      "vae_tiling encode logvar",
                      tiled.logvar(),
                      Fixtures.tensor(dir, "encode.tiled_logvar"))
                  < TOLERANCE);
          assertTrue(
              Fixtures.report(
                      "vae_tiling encode plain",
                      plain.mean(),
                      Fixtures.tensor(dir, "encode.plain_mean"))
                  < TOLERANCE);
        });
  }

  @Test
  void oneTileIsNotTiled() {
    Scopes.run(
        () -> {
          Tensor small = Fixtures.tensor(dir, "small.latents"); // [1, 4, 8, 8]: exactly one tile
          vae.setTiling(true);
          Tensor tiled = vae.decode(small);
          vae.setTiling(false);
          assertTrue(
              Fixtures.report("vae_tiling one tile", tiled, Fixtures.tensor(dir, "small.tiled"))
                  < TOLERANCE);
          assertTrue(Fixtures.report("one tile vs plain", tiled, vae.decode(small)) == 0);
        });
  }

  @Test
  void tilingNeedsASampleSize() {
    AutoencoderKLConfig c = vae.config;
    AutoencoderKL noSize =
        new AutoencoderKL(
            new AutoencoderKLConfig(
                c.inChannels(),
                c.outChannels(),
                c.downBlockTypes(),
                c.upBlockTypes(),
                c.blockOutChannels(),
                c.layersPerBlock(),
                c.actFn(),
                c.latentChannels(),
                c.normNumGroups(),
                2,
                c.scalingFactor(),
                null,
                null,
                null,
                true,
                true,
                true,
                true));
    var e = assertThrows(IllegalArgumentException.class, noSize::tileLatentSize);
    assertTrue(e.getMessage().contains("sample_size"), e.getMessage());
  }

  private static Long[] dims(Tensor t) {
    Long[] d = new Long[(int) t.dim()];
    for (int i = 0; i < d.length; i++) d[i] = t.size(i);
    return d;
  }
}
