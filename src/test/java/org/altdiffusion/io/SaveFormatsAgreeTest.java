package org.altdiffusion.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.altdiffusion.engine.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference saved each test model twice, with save_pretrained as safetensors and as a pickled
 * .bin: both must read to the same names, dtypes and bit-identical values.
 */
class SaveFormatsAgreeTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  static Stream<String> pairs() {
    return Stream.of(
        "text/m9/pytorch_model.bin",
        "text/m18/pytorch_model.bin",
        "text/clip_quick/pytorch_model.bin",
        "text/clip_gelu/pytorch_model.bin",
        "text/clip_proj/pytorch_model.bin",
        "vae/plain/diffusion_pytorch_model.bin",
        "unet/inpaint/diffusion_pytorch_model.bin");
  }

  @ParameterizedTest
  @MethodSource("pairs")
  void binAndSafetensorsHoldTheSameTensors(String bin) {
    Path binFile = Path.of("src/test/resources/fixtures", bin);
    Path safe =
        binFile.resolveSibling(
            bin.contains("pytorch_model.bin") && !bin.contains("diffusion")
                ? "model.safetensors"
                : "diffusion_pytorch_model.safetensors");
    assertTrue(Files.isRegularFile(safe), safe.toString());
    try (TensorSource a = Checkpoints.open(binFile);
        TensorSource b = Checkpoints.open(safe)) {
      assertEquals(b.keys(), a.keys(), "same tensor names");
      for (String k : b.keys()) {
        assertEquals(b.dtype(k), a.dtype(k), k);
        Tensor x = a.loadRaw(k);
        Tensor y = b.loadRaw(k);
        assertArrayEquals(y.sizes().vec().get(), x.sizes().vec().get(), k);
        assertTrue(x.equal(y), k + " differs");
      }
    }
  }
}
