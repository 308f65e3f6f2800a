package org.altdiffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.ThreadSettings.ParallelGuidance;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.Fixtures;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The denoiser seam: guidance arithmetic, and what an editing mode adds (extra input channels for a
 * 9-channel inpainting UNet, ControlNet-style residuals) reaching every pass, batched or side by
 * side.
 */
class GuidedDenoiserTest {
  static UNet2DConditionModel unet; // 9 input channels, 4 out, cross-attention 16

  @BeforeAll
  static void load() {
    Torch.init();
    unet = UNet2DConditionModel.fromPretrained(Fixtures.dir("unet/inpaint"));
  }

  @Test
  void extraChannelsReachBothGuidancePassesInEitherLayout() {
    Scopes.run(
        () -> {
          try (NoGradGuard g = new NoGradGuard()) {
            Tensor latents = Tensors.randn(Tensors.generator(1), 2, 4, 8, 8); // [B, 4, h, w]
            Tensor extra = Tensors.randn(Tensors.generator(2), 2, 5, 8, 8); // [B, 5, h, w]
            Tensor context = Tensors.randn(Tensors.generator(3), 4, 3, 16); // [2B, T, D]
            UNetInputs inputs =
                new UNetInputs() {
                  @Override
                  public Tensor extraChannels() {
                    return extra;
                  }
                };
            var guidance = new GenerationRequest.Guidance(6.0, 0.0);
            Tensor full = torch.cat(new TensorVector(latents, extra), 1); // [B, 9, h, w]
            Tensor uncond = unet.forward(full, 500.0, context.narrow(0, 0, 2));
            Tensor cond = unet.forward(full, 500.0, context.narrow(0, 2, 2));
            Tensor expected = GuidedDenoiser.guide(uncond, cond, 6.0, 0.0);
            for (ParallelGuidance layout :
                new ParallelGuidance[] {ParallelGuidance.ON, ParallelGuidance.OFF}) {
              Tensor got =
                  new GuidedDenoiser(unet, context, guidance, layout, inputs)
                      .predict(latents, 0, 500.0);
              assertEquals(
                  List.of(2L, 4L, 8L, 8L),
                  List.of(got.size(0), got.size(1), got.size(2), got.size(3)));
              double diff = got.sub(expected).abs().max().item_double();
              assertTrue(diff < 1e-5, layout + ": " + diff);
            }
          }
        });
  }

  @Test
  void residualsAreGivenToTheUNetWithTheRowsOfEachPass() {
    Scopes.run(
        () -> {
          try (NoGradGuard g = new NoGradGuard()) {
            Tensor latents = Tensors.randn(Tensors.generator(4), 1, 4, 8, 8);
            Tensor extra = Tensors.randn(Tensors.generator(5), 1, 5, 8, 8);
            Tensor context = Tensors.randn(Tensors.generator(6), 1, 3, 16); // unguided: [B, T, D]
            List<long[]> shapes = unet.downResidualShapes(1, 8, 8);
            List<Tensor> down = new ArrayList<>();
            for (long[] s : shapes)
              down.add(Tensors.randn(Tensors.generator(7), s).mul(Tensors.scalar(0.1)));
            Tensor mid = Tensors.randn(Tensors.generator(8), unet.midResidualShape(1, 8, 8));
            List<Long> seenRows = new ArrayList<>();
            UNetInputs inputs =
                new UNetInputs() {
                  @Override
                  public Tensor extraChannels() {
                    return extra;
                  }

                  @Override
                  public Residuals residuals(
                      Tensor latents, int step, double t, Tensor rows, Rows which) {
                    seenRows.add(latents.size(1));
                    assertEquals(Rows.PROMPT, which);
                    assertEquals(3, step);
                    return new Residuals(down, mid);
                  }
                };
            Tensor got =
                new GuidedDenoiser(
                        unet,
                        context,
                        new GenerationRequest.Guidance(1.0, 0),
                        ParallelGuidance.OFF,
                        inputs)
                    .predict(latents, 3, 250.0);
            Tensor full = torch.cat(new TensorVector(latents, extra), 1);
            Tensor expected = unet.forward(full, 250.0, context, down, mid);
            Tensor without = unet.forward(full, 250.0, context);
            assertEquals(
                List.of(4L), seenRows, "the hook saw the latents alone, as ControlNets do");
            assertTrue(got.sub(expected).abs().max().item_double() < 1e-6);
            assertTrue(got.sub(without).abs().max().item_double() > 1e-3, "residuals changed it");
          }
        });
  }

  @Test
  void guidanceRescaleMovesTowardsTheConditionalStd() {
    Scopes.run(
        () -> {
          Tensor uncond = Tensors.randn(Tensors.generator(9), 1, 4, 4, 4);
          Tensor cond = Tensors.randn(Tensors.generator(10), 1, 4, 4, 4).mul(Tensors.scalar(3));
          Tensor full = GuidedDenoiser.guide(uncond, cond, 7.5, 1.0);
          double stdCond = cond.std().item_double();
          assertEquals(stdCond, full.std().item_double(), 1e-4);
          Tensor none = GuidedDenoiser.guide(uncond, cond, 7.5, 0.0);
          Tensor expected = uncond.add(cond.sub(uncond).mul(Tensors.scalar(7.5)));
          assertTrue(none.sub(expected).abs().max().item_double() < 1e-6);
        });
  }
}
