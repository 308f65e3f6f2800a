package org.altdiffusion.models.unet;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The full-size m18 / SD 2.1-base UNet (865,910,724 seeded random weights) against diffusers at
 * 64x64 latents, batch 2. Needs the output of {@code tools/reference/full_unet_step.py} (default
 * /tmp/altdiffusion-full-unet, or system property {@code altdiffusion.fullUnet}); skipped without
 * it. Run: {@code mvn -o test -Dtest=UNetFullSizeTest -Dtest.excludedGroups=none}. Prints timings
 * (reported, not asserted).
 */
@Tag("slow")
class UNetFullSizeTest {
  @Test
  void fullSizeForwardMatchesDiffusers() {
    Path dir = Path.of(System.getProperty("altdiffusion.fullUnet", "/tmp/altdiffusion-full-unet"));
    Assumptions.assumeTrue(
        Files.exists(dir.resolve("io.safetensors")), "no full-size fixture in " + dir);
    System.out.println("threads: " + Torch.init());
    long t0 = System.nanoTime();
    UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(dir);
    System.out.printf(
        "load: %.1f s, %,d parameters%n", (System.nanoTime() - t0) / 1e9, unet.parameterCount());
    try (NoGradGuard g = new NoGradGuard();
        SafeTensors.Reader io = SafeTensors.open(dir.resolve("io.safetensors"))) {
      Tensor sample = io.load("sample");
      Tensor timestep = io.loadRaw("timestep");
      Tensor context = io.load("context");
      Tensor expected = io.load("eps");
      for (int run = 0; run < 2; run++) {
        long rssBefore = procStatusKb("VmRSS");
        long anonBefore = procStatusKb("RssAnon");
        long fileBefore = procStatusKb("RssFile");
        resetPeakRss();
        Scopes.run(
            () -> {
              long start = System.nanoTime();
              Tensor eps = unet.forward(sample, timestep, context);
              double seconds = (System.nanoTime() - start) / 1e9;
              double diff = Tensors.maxAbsDiff(eps, expected);
              double ref = expected.abs().max().item_double();
              System.out.printf(
                  "java forward (batch 2, 64x64): %.2f s; max abs diff %.3e, max |ref| %.4f,"
                      + " relative %.3e%n",
                  seconds, diff, ref, diff / ref);
              assertTrue(diff / ref < 1e-3, "relative error " + diff / ref);
            });
        System.out.printf(
            "resident memory: %,d MB before the forward (%,d MB anonymous, %,d MB file-backed),"
                + " peak %,d MB during it%n",
            rssBefore / 1024, anonBefore / 1024, fileBefore / 1024, procStatusKb("VmHWM") / 1024);
      }
    } finally {
      unet.clear();
    }
  }

  /** A field of /proc/self/status in kB (Linux), or -1. */
  static long procStatusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    } catch (Exception e) {
      // not Linux: no figure
    }
    return -1;
  }

  /** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs). */
  static void resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (Exception e) {
      // not Linux
    }
  }
}
