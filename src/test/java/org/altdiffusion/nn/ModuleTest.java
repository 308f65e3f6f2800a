package org.altdiffusion.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ModuleTest {
  @BeforeAll
  static void init() {
    Torch.init();
  }

  static final class Block extends Module {
    final Linear proj = child("proj_in", new Linear(3, 2));
    final ModuleList<GroupNorm> norms = child("norms", new ModuleList<>());

    Block() {
      norms.add(new GroupNorm(1, 2, 1e-5));
    }

    @Override
    protected List<Pattern> ignoredKeys() {
      return List.of(Pattern.compile("position_ids"));
    }
  }

  static final class Net extends Module {
    final ModuleList<Block> blocks = child("down_blocks", new ModuleList<>());

    Net() {
      blocks.add(new Block());
      blocks.add(new Block());
    }
  }

  @Test
  void namesFollowCheckpointKeys() {
    assertEquals(
        List.of(
            "down_blocks.0.proj_in.weight", "down_blocks.0.proj_in.bias",
            "down_blocks.0.norms.0.weight", "down_blocks.0.norms.0.bias",
            "down_blocks.1.proj_in.weight", "down_blocks.1.proj_in.bias",
            "down_blocks.1.norms.0.weight", "down_blocks.1.norms.0.bias"),
        List.copyOf(new Net().namedParameters().keySet()));
  }

  @Test
  void namedModulesListPathsInPreorderLikePyTorch() {
    Net net = new Net();
    assertEquals(
        List.of(
            "",
            "down_blocks",
            "down_blocks.0",
            "down_blocks.0.proj_in",
            "down_blocks.0.norms",
            "down_blocks.0.norms.0",
            "down_blocks.1",
            "down_blocks.1.proj_in",
            "down_blocks.1.norms",
            "down_blocks.1.norms.0"),
        List.copyOf(net.namedModules().keySet()));
    assertSame(net, net.namedModules().get(""));
    assertSame(net.blocks.get(1).proj, net.find("down_blocks.1.proj_in"));
    assertSame(net.blocks.get(1).proj, net.find("down_blocks.1.proj_in", Linear.class));
    assertSame(
        net.namedParameters().get("down_blocks.0.norms.0.bias"),
        net.find("down_blocks.0.norms.0").ownParameters().get("bias"));
    assertEquals(List.of(), List.copyOf(net.find("down_blocks.0").ownParameters().keySet()));
    var e = assertThrows(IllegalArgumentException.class, () -> net.find("down_blocks.2.proj_in"));
    assertEquals(
        "Net has no module 'down_blocks.2.proj_in': 'down_blocks' (ModuleList) has no child '2'"
            + " (its children: 0, 1; its parameters: none)",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> net.find("down_blocks.0.proj_in.bias"));
    assertTrue(
        e.getMessage()
            .contains(
                "'bias' is a parameter of 'down_blocks.0.proj_in' (Linear), not a module (its"
                    + " children: none; its parameters: weight, bias)"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> net.find(null));
    assertThrows(IllegalArgumentException.class, () -> net.find("down_blocks.0", Linear.class));
  }

  @Test
  void namesWithDotsOrEmptyAreRefused() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Module() {
                  {
                    child("to_out.0", new Linear(1, 1));
                  }
                });
    assertTrue(e.getMessage().contains("'to_out.0'"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Module() {
              {
                parameter("", 1);
              }
            });
  }

  @Test
  void loadsByNameAndRoundTrips() {
    Net net = new Net();
    net.initialize(Tensors.generator(0));
    Map<String, Tensor> sd = net.stateDict();
    Net other = new Net();
    other.load(sd);
    for (String k : sd.keySet()) {
      assertEquals(0.0, Tensors.maxAbsDiff(sd.get(k), other.stateDict().get(k)), k);
    }
  }

  @Test
  void strictLoadNamesEveryProblemAtOnce() {
    Net net = new Net();
    net.initialize(Tensors.generator(0));
    Map<String, Tensor> sd = new LinkedHashMap<>(net.stateDict());
    sd.remove("down_blocks.1.proj_in.bias");
    sd.put("down_blocks.0.extra.weight", Tensors.fromFloats(new float[] {1}, 1));
    sd.put("down_blocks.0.proj_in.weight", Tensors.fromFloats(new float[6], 3, 2));
    sd.put("down_blocks.0.position_ids", Tensors.fromLongs(new long[] {0, 1}, 2));
    StateDictException e = assertThrows(StateDictException.class, () -> new Net().load(sd));
    assertEquals(List.of("down_blocks.1.proj_in.bias"), e.missing());
    assertEquals(List.of("down_blocks.0.extra.weight"), e.unexpected());
    assertEquals(1, e.wrongShape().size());
    assertTrue(
        e.wrongShape()
            .get(0)
            .startsWith("down_blocks.0.proj_in.weight: checkpoint [3, 2], model [2, 3]"),
        e.getMessage());
  }

  @Test
  void linearMatchesHandComputation() {
    Linear l = new Linear(2, 1);
    l.load(
        Map.of(
            "weight",
            Tensors.fromFloats(new float[] {2, 3}, 1, 2),
            "bias",
            Tensors.fromFloats(new float[] {1}, 1)));
    float[] y = Tensors.toFloats(l.forward(Tensors.fromFloats(new float[] {1, 1, 0, 2}, 2, 2)));
    assertArrayEquals(new float[] {6, 7}, y);
  }

  @Test
  void attentionEqualsExplicitSoftmax() {
    var g = Tensors.generator(3);
    Tensor q = Tensors.randn(g, 2, 5, 8);
    Tensor k = Tensors.randn(g, 2, 7, 8);
    Tensor v = Tensors.randn(g, 2, 7, 8);
    Tensor fused = Attention.attend(q, k, v, 2, null);
    // explicit per head
    Tensor qh = q.view(2, 5, 2, 4).transpose(1, 2);
    Tensor kh = k.view(2, 7, 2, 4).transpose(1, 2);
    Tensor vh = v.view(2, 7, 2, 4).transpose(1, 2);
    Tensor w =
        org.bytedeco.pytorch.global.torch.softmax(
            qh.matmul(kh.transpose(2, 3)).div(Tensors.scalar(2.0)), -1);
    Tensor ref = w.matmul(vh).transpose(1, 2).reshape(2, 5, 8);
    assertTrue(Tensors.maxAbsDiff(fused, ref) < 1e-5);
  }
}
