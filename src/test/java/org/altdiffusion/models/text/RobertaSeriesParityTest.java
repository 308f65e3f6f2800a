package org.altdiffusion.models.text;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * m9 and m18 RobertaSeriesModelWithTransformation against diffusers 0.30.3 on tiny random weights.
 */
class RobertaSeriesParityTest {
  static final double TOLERANCE = 1e-5;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @ParameterizedTest
  @ValueSource(strings = {"m9", "m18"})
  void matchesReference(String variant) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      var model = RobertaSeriesModelWithTransformation.fromPretrained(Fixtures.dir(variant));
      assertEquals(variant.equals("m18"), model.config.hasPreTransformation());
      Map<String, Tensor> io = Fixtures.io(variant);
      for (String c : List.of("a", "b", "c")) {
        Tensor ids = io.get("ids_" + c);
        Tensor mask = io.get("mask_" + c);
        Tensor expected = io.get("projection_" + c);

        double output = Tensors.maxAbsDiff(model.forward(ids, mask), expected);
        double pooled = Tensors.maxAbsDiff(model.pooled(ids, mask), expected.select(1, 0));
        var all = model.forwardAll(ids, mask);
        double full = Tensors.maxAbsDiff(all.projection(), expected);
        double hidden = 0;
        assertEquals(model.config.roberta().numHiddenLayers() + 1, all.hiddenStates().size());
        for (int i = 0; i < all.hiddenStates().size(); i++) {
          hidden =
              Math.max(
                  hidden,
                  Tensors.maxAbsDiff(all.hiddenStates().get(i), io.get("hidden_" + c + "_" + i)));
        }
        System.out.printf(
            "%s case %s %s: output %.3g, pooled %.3g, forwardAll %.3g, hidden states %.3g%n",
            variant, c, Tensors.shapeString(ids), output, pooled, full, hidden);
        assertTrue(output < TOLERANCE, variant + " " + c + " output " + output);
        assertTrue(pooled < TOLERANCE, variant + " " + c + " pooled " + pooled);
        assertTrue(full < TOLERANCE, variant + " " + c + " forwardAll " + full);
        assertTrue(hidden < TOLERANCE, variant + " " + c + " hidden " + hidden);
      }
    }
  }
}
