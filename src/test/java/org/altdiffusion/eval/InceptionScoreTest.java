package org.altdiffusion.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.io.Npz;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class InceptionScoreTest {
  static final Map<String, Npz.Array> FIXTURE =
      Npz.read(Path.of("src/test/resources/fixtures/eval/isc.npz"));

  @Test
  void equalsTorchFidelityOnRandomLogits() {
    for (String c : FIXTURE.get("cases").strings()[0].split(",")) {
      try (PointerScope s = new PointerScope()) {
        InceptionScore.Result r =
            InceptionScore.of(logits(c), (int) FIXTURE.get(c + "_splits").scalar(), true, 2020);
        double mean = FIXTURE.get(c + "_mean").scalar();
        double std = FIXTURE.get(c + "_std").scalar();
        assertEquals(mean, r.mean(), 1e-6 * mean, c + " mean");
        assertEquals(std, r.std(), 1e-6 * mean, c + " std");
      }
    }
  }

  @Test
  void theShuffleMatters() {
    // the fixture's splits differ in content, so an unshuffled score must differ
    try (PointerScope s = new PointerScope()) {
      double shuffled = InceptionScore.of(logits("small"), 10, true, 2020).std();
      double plain = InceptionScore.of(logits("small"), 10, false, 2020).std();
      assertTrue(Math.abs(shuffled - plain) > 1e-3, shuffled + " vs " + plain);
    }
  }

  @Test
  void refusesMoreSplitsThanPictures() {
    try (PointerScope s = new PointerScope()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> InceptionScore.of(Tensors.fromFloats(new float[6], 3, 2), 4, true, 2020));
      assertTrue(e.getMessage().contains("1 to 3 splits"), e.getMessage());
    }
  }

  static Tensor logits(String c) {
    Npz.Array a = FIXTURE.get(c + "_logits");
    float[] f = new float[a.values().length];
    for (int i = 0; i < f.length; i++) f[i] = (float) a.values()[i];
    return Tensors.fromFloats(f, Arrays.copyOf(a.shape(), 2));
  }
}
