package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} on every model command: on this build (CPU natives, no GPU) {@code cuda} fails
 * at once with one line saying what is missing and how to get it; {@code auto} runs on the CPU.
 */
class DeviceOptionTest {
  static final String MODEL = GenerateCommandTest.MODEL;

  @Test
  void cudaWithoutCudaNativesFailsAtOnceWithOneLine(@TempDir Path tmp) {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        ComputeDevice.cudaAvailable(), "a GPU is here: nothing to refuse");
    List<String[]> commands =
        List.of(
            new String[] {"generate", "--model", MODEL, "--prompt", "x", "--device", "cuda"},
            new String[] {"serve", "--model", MODEL, "--device", "cuda:1"},
            new String[] {"eval", "--model", MODEL, "--out", tmp.toString(), "--device", "cuda"},
            new String[] {"bench", "unet", "--device", "cuda"},
            new String[] {
              "train-unet",
              "--model",
              MODEL,
              "--data",
              "shapes",
              "--out",
              tmp.toString(),
              "--device",
              "cuda"
            });
    for (String[] args : commands) {
      long start = System.nanoTime();
      GenerateCommandTest.Run r = GenerateCommandTest.run(args);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals(1, r.code(), String.join(" ", args) + ": " + r.err());
      String err = r.err().strip();
      assertEquals(1, err.lines().count(), "one line: " + err);
      assertTrue(err.contains("CPU build") && err.contains("-Pcuda"), err);
      assertTrue(seconds < 10, args[0] + " took " + seconds + " s to refuse");
    }
  }

  @Test
  void unknownDevicesAreNamedWithWhatIsAccepted() {
    GenerateCommandTest.Run r =
        GenerateCommandTest.run("generate", "--model", MODEL, "--prompt", "x", "--device", "gpu");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("unknown device 'gpu'"), r.err());
    assertTrue(r.err().contains("cpu, cuda, cuda:N (N = 0, 1, ...) or auto"), r.err());
  }

  @Test
  void autoAndCpuRunOnTheCpu(@TempDir Path tmp) {
    for (String device : new String[] {"auto", "cpu"}) {
      GenerateCommandTest.Run r =
          GenerateCommandTest.run(
              "generate",
              "--model",
              MODEL,
              "--prompt",
              "a red circle",
              "--steps",
              "2",
              "-W",
              "32",
              "-H",
              "32",
              "--out",
              tmp.resolve(device + ".png").toString(),
              "--device",
              device);
      assertEquals(0, r.code(), r.err());
    }
  }
}
