package org.altdiffusion.io.pytorch;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Load speed on a big checkpoint (not committed). Reports, asserts nothing about time:
 *
 * <pre>
 * tools/reference/.venv/bin/python tools/reference/make_pytorch_fixtures.py --bench tools/reference/out/bench_fp16.bin
 * mvn -o test -Dtest=TorchCheckpointBenchmark -Dgroups=slow -Dtest.excludedGroups=none \
 *     -Daltdiffusion.benchFile=tools/reference/out/bench_fp16.bin
 * </pre>
 */
@Tag("slow")
class TorchCheckpointBenchmark {
  @Test
  void loadEveryTensor() {
    String name = System.getProperty("altdiffusion.benchFile");
    assumeTrue(name != null, "set -Daltdiffusion.benchFile");
    Path file = Path.of(name);
    assumeTrue(Files.exists(file), "missing " + file);
    Torch.init();
    for (String mode : new String[] {"open", "loadRaw (fp16 copy)", "load (fp32)"}) {
      double best = Double.MAX_VALUE;
      long bytes = 0;
      for (int round = 0; round < 3; round++) {
        long t0 = System.nanoTime();
        bytes = 0;
        try (PointerScope scope = new PointerScope();
            TorchCheckpoint c = TorchCheckpoint.open(file)) {
          for (String k :
              c.keys()) { // all tensors stay alive until the round ends, as in a model load
            if (mode.equals("open")) continue;
            Tensor t = mode.startsWith("loadRaw") ? c.loadRaw(k) : c.load(k);
            bytes += t.numel() * t.element_size();
          }
        }
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      System.out.printf("bench %s: best of 3 %.3f s (%.0f MB produced)%n", mode, best, bytes / 1e6);
    }
  }
}
