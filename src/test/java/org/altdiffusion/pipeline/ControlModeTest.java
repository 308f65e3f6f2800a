package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sd-webui-controlnet's control modes on our residuals, against its formulas (scripts/hook.py,
 * UnetHook.hook's forward; tools/reference/make_control_mode_fixtures.py computes them in Python):
 * "My prompt is more important" scales output i by weight x 0.825^(12 - i), "ControlNet is more
 * important" does the same and gives the negative rows nothing (cond mark), Balanced is the weight.
 * The residuals are compared value for value with the unscaled ones times those float32 factors.
 */
class ControlModeTest {
  static ControlNetModel net;
  static UNet2DConditionModel unet;

  @BeforeAll
  static void load() {
    Torch.init();
    net = ControlNetModel.fromPretrained(ControlNetParityTest.DIR.resolve("cn-sd1"));
    unet =
        UNet2DConditionModel.fromPretrained(
            DiffusionPipelineParityTest.DIR.resolve("tiny-altdiffusion").resolve("unet"));
  }

  @Test
  void softInjectionScalesAreThePythonFormulasFloats() throws Exception {
    JsonNode f =
        new ObjectMapper()
            .readTree(ControlNetParityTest.DIR.resolve("control_mode_scales.json").toFile());
    int n = 0;
    for (JsonNode c : f.get("cases")) {
      double w = c.get("weight").asDouble();
      double[] soft = ControlMode.PROMPT.scales(w, 13);
      assertArrayEquals(soft, ControlMode.CONTROLNET.scales(w, 13));
      for (int i = 0; i < 13; i++) {
        assertEquals(Double.parseDouble(c.get("soft").get(i).asText()), soft[i], 0.0, "w " + w);
        assertEquals(c.get("soft_float32").get(i).asDouble(), (float) soft[i], 0.0);
      }
      for (double b : ControlMode.BALANCED.scales(w, 13)) assertEquals(w, b);
      n++;
    }
    assertEquals(7, n);
    // a net with fewer outputs: the extension's zip pairs output i with scale i
    double[] seven = ControlMode.PROMPT.scales(0.7, 7);
    assertEquals(0.7 * Math.pow(0.825, 6.0), seven[6], 1e-15);
    assertThrows(IllegalArgumentException.class, () -> ControlMode.PROMPT.scales(1, 14));
  }

  @Test
  void residualsAreTheUnscaledOnesTimesTheModesFactors() {
    Tensor[] in = inputs(2);
    ControlNetModel.Residuals plain = net.forward(in[0], 500, in[1], in[2], 1.0, false);
    double[] scales = ControlMode.PROMPT.scales(0.7, net.outputCount());
    ControlNetModel.Residuals soft = net.forward(in[0], 500, in[1], in[2], scales);
    List<Tensor> p = all(plain);
    List<Tensor> s = all(soft);
    assertEquals(net.outputCount(), s.size());
    for (int i = 0; i < s.size(); i++)
      assertTrue(
          torch.equal(s.get(i), p.get(i).mul(new Scalar((double) (float) scales[i]))),
          "output " + i);
    assertFalse(torch.equal(s.get(0), p.get(0).mul(new Scalar(0.7))), "first skip not damped");
  }

  @Test
  void controlNetIsMoreImportantGivesTheNegativeRowsNothing() {
    BufferedImage image = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
    image.setRGB(10, 10, 0xFFFFFF);
    ControlNetUnit unit =
        ControlNetUnit.of("cn", net, image).withScale(1.3).withMode(ControlMode.CONTROLNET);
    var inputs =
        new ControlNetInputs(
            UNetInputs.NONE,
            unet,
            new GenerationRequest.Control(List.of(unit), false),
            new GenerationRequest.Size(48, 32),
            0,
            10);
    Tensor[] in = inputs(4); // [negative x 2, prompt x 2]
    Tensor img = in[2];
    UNetInputs.Residuals both = inputs.residuals(in[0], 3, 500, in[1], UNetInputs.Rows.BOTH);
    double[] scales = ControlMode.CONTROLNET.scales(1.3, net.outputCount());
    List<Tensor> expected = all(net.forward(in[0], 500, in[1], img, scales));
    List<Tensor> got = new java.util.ArrayList<>(both.down());
    got.add(both.mid());
    for (int i = 0; i < got.size(); i++) {
      Tensor g = got.get(i);
      assertEquals(0.0, g.narrow(0, 0, 2).abs().max().item_double(), "negative rows, output " + i);
      assertTrue(torch.equal(g.narrow(0, 2, 2), expected.get(i).narrow(0, 2, 2)), "output " + i);
    }
    assertNull(inputs.residuals(in[0], 3, 500, in[1].narrow(0, 0, 2), UNetInputs.Rows.NEGATIVE));
    assertNotNull(
        inputs.residuals(
            in[0].narrow(0, 2, 2), 3, 500, in[1].narrow(0, 2, 2), UNetInputs.Rows.PROMPT));
  }

  @Test
  void guessModeWithAnotherModeIsRefused() {
    BufferedImage image = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
    var r =
        GenerationRequest.builder("x")
            .steps(2)
            .size(48, 32)
            .control(
                new GenerationRequest.Control(
                    List.of(ControlNetUnit.of("a", net, image).withMode(ControlMode.PROMPT)), true))
            .build();
    var e = assertThrows(IllegalArgumentException.class, r::validate);
    assertTrue(e.getMessage().contains("cannot be combined"), e.getMessage());
    assertEquals(ControlMode.CONTROLNET, ControlMode.of("2"));
    assertEquals(ControlMode.PROMPT, ControlMode.of("My prompt is more important"));
    var bad = assertThrows(IllegalArgumentException.class, () -> ControlMode.of("strong"));
    assertTrue(bad.getMessage().contains("balanced (0"), bad.getMessage());
  }

  /** latents [n, 4, 16, 24], context [n, 77, D], the control image [n, 3, 32, 48] (the unit's). */
  private static Tensor[] inputs(int n) {
    Generator g = org.altdiffusion.engine.Noise.seeded(7, 1).get(0);
    Tensor latents = Tensors.randn(g, n, 4, 16, 24);
    Tensor context = Tensors.randn(g, n, 77, net.config.crossAttentionDim());
    BufferedImage image = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
    image.setRGB(10, 10, 0xFFFFFF);
    Tensor img =
        org.altdiffusion.image.ImageTensors.toUnitTensor(image)
            .expand(n, -1, -1, -1); // [n, 3, H, W]
    return new Tensor[] {latents, context, img};
  }

  private static List<Tensor> all(ControlNetModel.Residuals r) {
    List<Tensor> out = new java.util.ArrayList<>(r.down());
    out.add(r.mid());
    return out;
  }
}
