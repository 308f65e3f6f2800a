package org.altdiffusion.models.text;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.SafeTensors;
import org.altdiffusion.io.TensorSource;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The full-size m18 encoder (XLM-R large, random weights) against the reference. Needs the output
 * of tools/reference/full_m18_text_encoder.py (2.2 GB, not committed); run with {@code mvn -o test
 * -Dtest=RobertaSeriesFullSizeTest -Dtest.excludedGroups= [-Daltdiffusion.fullM18Dir=DIR]}.
 */
@Tag("slow")
class RobertaSeriesFullSizeTest {
  static final double TOLERANCE = 1e-4;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void fullSizeM18MatchesReference() {
    Path dir = Path.of(System.getProperty("altdiffusion.fullM18Dir", "/tmp/altdiffusion_m18_full"));
    assumeTrue(
        Files.isRegularFile(dir.resolve("model.safetensors")),
        "run tools/reference/full_m18_text_encoder.py first (looked in " + dir + ")");
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      long t0 = System.nanoTime();
      var model = RobertaSeriesModelWithTransformation.fromPretrained(dir);
      System.out.printf(
          "full m18: loaded %,d parameters in %.1f s%n",
          model.parameterCount(), (System.nanoTime() - t0) / 1e9);
      assertEquals(RobertaSeriesConfig.m18().roberta(), model.config.roberta());
      Tensor ids;
      Tensor mask;
      Tensor expected;
      Tensor expectedLast;
      try (TensorSource io = SafeTensors.open(dir.resolve("io.safetensors"))) {
        ids = io.load("ids");
        mask = io.load("mask");
        expected = io.load("projection");
        expectedLast = io.load("hidden_last");
      }
      Scoped.time("warm-up", () -> model.forward(ids, mask));
      double[] output = new double[1];
      double seconds = Double.MAX_VALUE;
      for (int run = 0; run < 3; run++) {
        seconds =
            Math.min(
                seconds,
                Scoped.time(
                    "forward (23 layers + projection)",
                    () -> {
                      output[0] = Tensors.maxAbsDiff(model.forward(ids, mask), expected);
                      return null;
                    }));
      }
      double[] all = new double[2];
      double secondsAll =
          Scoped.time(
              "forwardAll (24 layers, as the reference)",
              () -> {
                var out = model.forwardAll(ids, mask);
                all[0] = Tensors.maxAbsDiff(out.projection(), expected);
                all[1] = Tensors.maxAbsDiff(out.lastHiddenState(), expectedLast);
                return null;
              });
      double pooled = Tensors.maxAbsDiff(model.pooled(ids, mask), expected.select(1, 0));
      System.out.printf(
          "full m18 %s (%s): output max abs diff %.3g (forward best of 3 %.3f s, forwardAll %.3f"
              + " s); forwardAll output %.3g, last hidden %.3g; pooled %.3g; expected |max| %.3g%n",
          Tensors.shapeString(ids),
          Torch.applied(),
          output[0],
          seconds,
          secondsAll,
          all[0],
          all[1],
          pooled,
          expected.abs().max().item_double());
      assertTrue(output[0] < TOLERANCE, "output " + output[0]);
      assertTrue(all[0] < TOLERANCE && all[1] < TOLERANCE, "forwardAll " + all[0] + " / " + all[1]);
      assertTrue(pooled < TOLERANCE, "pooled " + pooled);
    }
  }

  /** Times one call in its own scope (its tensors are freed after). */
  static final class Scoped {
    static double time(String what, java.util.function.Supplier<Object> body) {
      try (PointerScope s = new PointerScope()) {
        long t = System.nanoTime();
        body.get();
        double sec = (System.nanoTime() - t) / 1e9;
        System.out.printf("full m18: %s %.3f s%n", what, sec);
        return sec;
      }
    }
  }
}
