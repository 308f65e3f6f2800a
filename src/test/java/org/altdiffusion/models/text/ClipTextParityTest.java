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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CLIPTextModel / CLIPTextModelWithProjection against transformers 4.44.2 on tiny random weights.
 */
class ClipTextParityTest {
  static final double TOLERANCE = 1e-5;

  @BeforeAll
  static void init() {
    Torch.init();
  }

  @ParameterizedTest
  @ValueSource(strings = {"clip_quick", "clip_gelu"})
  void textModelMatchesReference(String name) {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      ClipTextModel model = ClipTextModel.fromPretrained(Fixtures.dir(name));
      Map<String, Tensor> io = Fixtures.io(name);
      for (String c : List.of("a", "b")) {
        ClipTextTransformer.Output out = model.forward(io.get("ids_" + c), io.get("mask_" + c));
        compare(name, c, out, io);
        assertEquals(
            0.0,
            Tensors.maxAbsDiff(
                model.encode(io.get("ids_" + c), io.get("mask_" + c)), out.lastHiddenState()));
      }
    }
  }

  @Test
  void projectionModelMatchesReference() {
    try (PointerScope scope = new PointerScope();
        NoGradGuard noGrad = new NoGradGuard()) {
      var model = ClipTextModelWithProjection.fromPretrained(Fixtures.dir("clip_proj"));
      Map<String, Tensor> io = Fixtures.io("clip_proj");
      for (String c : List.of("a", "b")) {
        var out = model.forward(io.get("ids_" + c), io.get("mask_" + c));
        compare("clip_proj", c, out.text(), io);
        double embeds = Tensors.maxAbsDiff(out.textEmbeds(), io.get("text_embeds_" + c));
        System.out.printf("clip_proj case %s: text_embeds %.3g%n", c, embeds);
        assertTrue(embeds < TOLERANCE, "text_embeds " + embeds);
      }
    }
  }

  /**
   * The fixtures must tell the two pooling rules apart, or the pooled comparison proves nothing.
   */
  @Test
  void fixturesSeparateThePoolingRules() {
    for (String name : List.of("clip_quick", "clip_gelu")) {
      ClipTextConfig config = ClipTextConfig.read(Fixtures.dir(name).resolve("config.json"));
      Tensor ids = Fixtures.io(name).get("ids_a");
      long[] argmax = Tensors.toLongs(ids.argmax(new org.bytedeco.pytorch.LongOptional(-1), false));
      long[] firstEos =
          Tensors.toLongs(
              ids.eq(Tensors.scalar(config.eosTokenId()))
                  .to(org.bytedeco.pytorch.global.torch.ScalarType.Int)
                  .argmax(new org.bytedeco.pytorch.LongOptional(-1), false));
      assertFalse(
          java.util.Arrays.equals(argmax, firstEos),
          name + ": both rules pick " + java.util.Arrays.toString(argmax));
    }
  }

  private static void compare(
      String name, String c, ClipTextTransformer.Output out, Map<String, Tensor> io) {
    double last = Tensors.maxAbsDiff(out.lastHiddenState(), io.get("last_" + c));
    double penultimate = Tensors.maxAbsDiff(out.penultimate(), io.get("penultimate_" + c));
    double pooled = Tensors.maxAbsDiff(out.pooled(), io.get("pooled_" + c));
    System.out.printf(
        "%s case %s %s: last %.3g, penultimate %.3g, pooled %.3g%n",
        name, c, Tensors.shapeString(io.get("ids_" + c)), last, penultimate, pooled);
    assertTrue(last < TOLERANCE, name + " " + c + " last " + last);
    assertTrue(penultimate < TOLERANCE, name + " " + c + " penultimate " + penultimate);
    assertTrue(pooled < TOLERANCE, name + " " + c + " pooled " + pooled);
  }
}
