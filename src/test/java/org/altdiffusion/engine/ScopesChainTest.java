package org.altdiffusion.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link Scopes#chain}: intermediates freed as the next stage exists, the input left alone. */
class ScopesChainTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void freesEachIntermediateAndKeepsTheInputAndTheResult() {
    try (PointerScope outer = new PointerScope()) {
      Tensor input = Tensors.randn(Tensors.generator(0), 2, 3); // [2, 3]
      List<Tensor> made = new ArrayList<>();
      List<UnaryOperator<Tensor>> stages = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        stages.add(
            t -> {
              Tensor scratch = t.mul(new Scalar(3.0)); // freed with the stage's scope
              Tensor out = scratch.add(new Scalar(1.0));
              made.add(out);
              return out;
            });
      }
      stages.add(t -> t); // a stage that gives its input back changes nothing
      Tensor result = Scopes.chain(input, stages);
      for (int i = 0; i < 3; i++) assertTrue(made.get(i).isNull(), "intermediate " + i + " freed");
      assertSame(made.get(3), result);
      assertFalse(result.isNull());
      assertFalse(input.isNull());
      // ((((x*3+1)*3+1)*3+1)*3+1) = 81x + 40
      double expected = input.mul(new Scalar(81.0)).add(new Scalar(40.0)).sum().item_double();
      assertEquals(expected, result.sum().item_double(), 1e-3);
    }
  }

  @Test
  void noStagesGiveTheInput() {
    try (PointerScope outer = new PointerScope()) {
      Tensor input = Tensors.randn(Tensors.generator(1), 2); // [2]
      assertSame(input, Scopes.chain(input, List.of()));
      assertSame(input, Scopes.chain(input, List.of(t -> t)));
      assertFalse(input.isNull());
    }
  }
}
