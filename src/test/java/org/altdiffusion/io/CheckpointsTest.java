package org.altdiffusion.io;

import static org.altdiffusion.io.CheckpointFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.altdiffusion.engine.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing the reader from a file's name and first bytes. */
class CheckpointsTest {
  static final Path ZIP_SEED = DIR.resolve("pytorch/small_zip.bin");
  static final Path LEGACY_SEED = DIR.resolve("pytorch/small_legacy.bin");

  @TempDir Path tmp;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void detectsByNameAndContent() throws IOException {
    assertEquals(Checkpoints.Format.SAFETENSORS, Checkpoints.detect(ALL_DTYPES));
    assertEquals(
        Checkpoints.Format.SHARDED,
        Checkpoints.detect(
            PIPELINE.resolve("unet/diffusion_pytorch_model.safetensors.index.json")));
    assertEquals(Checkpoints.Format.PYTORCH, Checkpoints.detect(ZIP_SEED));
    assertEquals(Checkpoints.Format.PYTORCH, Checkpoints.detect(LEGACY_SEED));
    // content wins over a misleading name: safetensors named .bin, zip named .safetensors
    assertEquals(
        Checkpoints.Format.SAFETENSORS,
        Checkpoints.detect(Files.copy(ALL_DTYPES, tmp.resolve("renamed.bin"))));
    assertEquals(
        Checkpoints.Format.PYTORCH,
        Checkpoints.detect(Files.copy(ZIP_SEED, tmp.resolve("zip.safetensors"))));
    assertEquals(
        Checkpoints.Format.SAFETENSORS,
        Checkpoints.detect(Files.copy(ALL_DTYPES, tmp.resolve("no_extension"))));
    assertEquals(
        Checkpoints.Format.PYTORCH,
        Checkpoints.detect(Files.copy(LEGACY_SEED, tmp.resolve("legacy.weights"))));
    // a broken .safetensors still goes to the safetensors reader, for its specific error
    assertEquals(
        Checkpoints.Format.SAFETENSORS,
        Checkpoints.detect(write(tmp, "bad.safetensors", new byte[] {1, 2})));
    assertEquals(
        Checkpoints.Format.PYTORCH, Checkpoints.detect(write(tmp, "bad.ckpt", new byte[] {1, 2})));
  }

  @Test
  void opensSafetensorsWhateverTheName() throws IOException {
    try (TensorSource s = Checkpoints.open(Files.copy(ALL_DTYPES, tmp.resolve("model.pt")))) {
      assertInstanceOf(SafeTensors.Reader.class, s);
      assertTrue(s.keys().contains("f16.special"));
    }
  }

  @Test
  void unrecognisedMissingAndFolders() {
    String m =
        assertThrows(
                CheckpointException.class,
                () -> Checkpoints.open(write(tmp, "notes.txt", "hello".getBytes())))
            .getMessage();
    assertTrue(
        m.contains(
            "unrecognised checkpoint format; accepted: .safetensors, PyTorch .bin/.ckpt/.pt/.pth"),
        m);
    m =
        assertThrows(
                CheckpointException.class, () -> Checkpoints.open(tmp.resolve("nope.safetensors")))
            .getMessage();
    assertTrue(m.endsWith("nope.safetensors: file not found"), m);
    m = assertThrows(CheckpointException.class, () -> Checkpoints.open(tmp)).getMessage();
    assertTrue(m.contains("is a folder, not a checkpoint file"), m);
  }

  @Test
  void pytorchFilesGoToThePytorchReader() {
    try (TensorSource s = Checkpoints.open(ZIP_SEED)) {
      assertEquals(
          Set.of(
              "linear.weight",
              "linear.bias",
              "embed.weight",
              "position_ids",
              "mask",
              "scalar",
              "view"),
          s.keys());
    }
  }

  @Test
  void readersArePluggable() {
    TensorSource fake = TensorSource.of(Map.<String, Tensor>of());
    Function<Path, TensorSource> previous =
        Checkpoints.register(Checkpoints.Format.PYTORCH, file -> fake);
    try {
      assertSame(fake, Checkpoints.open(ZIP_SEED));
    } finally {
      Checkpoints.register(Checkpoints.Format.PYTORCH, previous);
    }
    assertNotSame(fake, tryOpen(ZIP_SEED));
  }

  private static Object tryOpen(Path file) {
    try {
      return Checkpoints.open(file);
    } catch (CheckpointException e) {
      return e;
    }
  }
}
