package org.altdiffusion.models.text;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The student encoder takes gradients: nothing inside the modules disables autograd. */
class TextEncoderTrainingTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  @Test
  void pooledStudentVectorBackpropagates() {
    try (PointerScope scope = new PointerScope()) {
      var student = RobertaSeriesModelWithTransformation.fromPretrained(Fixtures.dir("m18"));
      Map<String, Tensor> io = Fixtures.io("m18");
      Tensor loss =
          student
              .pooled(io.get("ids_a"), io.get("mask_a"))
              .pow(new org.bytedeco.pytorch.Scalar(2))
              .mean();
      loss.backward();
      Map<String, Parameter> p = student.namedParameters();
      assertTrue(hasGradient(p.get("transformation_pre.weight")));
      assertTrue(hasGradient(p.get("pre_LN.weight")));
      assertTrue(hasGradient(p.get("roberta.encoder.layer.0.attention.self.query.weight")));
      assertTrue(hasGradient(p.get("roberta.embeddings.word_embeddings.weight")));
      // m18 reads the second-to-last layer: the last layer and `transformation` take no part
      assertFalse(hasGradient(p.get("roberta.encoder.layer.2.output.dense.weight")));
      assertFalse(hasGradient(p.get("transformation.weight")));
      // as nn.Embedding(padding_idx=1) in the reference: the padding rows of the word and position
      // tables take no gradient although case a holds padding (row 1 of the position table is the
      // position every padding token gets)
      Tensor wordGrad = p.get("roberta.embeddings.word_embeddings.weight").get().grad();
      Tensor positionGrad = p.get("roberta.embeddings.position_embeddings.weight").get().grad();
      assertEquals(0.0, wordGrad.select(0, 1).abs().sum().item_double());
      assertEquals(0.0, positionGrad.select(0, 1).abs().sum().item_double());
      assertTrue(wordGrad.select(0, 0).abs().sum().item_double() > 0, "<s> row has a gradient");
      assertTrue(
          positionGrad.select(0, 2).abs().sum().item_double() > 0,
          "first position row has a gradient");
    }
  }

  private static boolean hasGradient(Parameter p) {
    Tensor g = p.get().grad();
    return g.defined() && g.abs().sum().item_double() > 0;
  }
}
