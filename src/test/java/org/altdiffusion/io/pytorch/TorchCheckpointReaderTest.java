package org.altdiffusion.io.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointReader;
import org.altdiffusion.io.Checkpoints;
import org.altdiffusion.io.TensorSource;
import org.junit.jupiter.api.Test;

/** Checkpoints finds the PyTorch reader as a service, without naming this package. */
class TorchCheckpointReaderTest {
  @Test
  void thePyTorchReaderIsRegisteredAsAService() {
    List<CheckpointReader> readers =
        ServiceLoader.load(CheckpointReader.class).stream()
            .map(ServiceLoader.Provider::get)
            .toList();
    assertEquals(1, readers.size(), readers.toString());
    assertInstanceOf(TorchCheckpointReader.class, readers.get(0));
    assertEquals(Checkpoints.Format.PYTORCH, readers.get(0).format());
  }

  @Test
  void checkpointsOpensPyTorchFilesWithIt() {
    Torch.init();
    Path zip = Path.of("src/test/resources/fixtures/checkpoints/pytorch/small_zip.bin");
    try (TensorSource s = Checkpoints.open(zip)) {
      assertInstanceOf(TorchCheckpoint.class, s);
    }
  }
}
