package org.altdiffusion.train.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tiny.recipe.RecipeSettings;
import org.altdiffusion.tiny.recipe.TinyModelFiles;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The min-SNR-gamma weighting of the diffusion loss against its definition, example by example. */
class DiffusionLossTest {
  @Test
  void minSnrWeightsEachExampleByMinOfSnrAndGammaOverSnr(@TempDir Path tmp) throws Exception {
    Torch.init();
    TinyModelFiles.write(
        tmp.resolve("unet.json"), TinyModelFiles.unetConfig(RecipeSettings.quick().unet()));
    TinyModelFiles.write(tmp.resolve("scheduler.json"), TinyModelFiles.schedulerConfig());
    UNet2DConditionModel unet =
        new UNet2DConditionModel(UNet2DConditionConfig.read(tmp.resolve("unet.json")));
    unet.initialize(Tensors.generator(0));
    NoiseSchedule schedule = NoiseSchedule.of(SchedulerConfig.read(tmp.resolve("scheduler.json")));
    long[] steps = {10, 400, 990}; // SNR far above, near and below gamma
    double gamma = 5;
    try (PointerScope scope = new PointerScope();
        NoGradGuard g = new NoGradGuard()) {
      Generator gen = Tensors.generator(3);
      Tensor latents = Tensors.randn(gen, 3, 4, 16, 16);
      Tensor noise = Tensors.randn(gen, 3, 4, 16, 16);
      Tensor cond = Tensors.randn(gen, 3, 5, RecipeSettings.TEXT_WIDTH);
      for (String type : new String[] {"epsilon", "v_prediction"}) {
        double expected = 0;
        for (int i = 0; i < 3; i++) {
          Tensor one = Tensors.fromLongs(new long[] {steps[i]}, 1);
          double mse =
              DiffusionTraining.diffusionLoss(
                      unet,
                      schedule,
                      latents.narrow(0, i, 1),
                      noise.narrow(0, i, 1),
                      one,
                      cond.narrow(0, i, 1),
                      type)
                  .item_double();
          double ac = schedule.alphasCumprod()[(int) steps[i]];
          double snr = ac / (1 - ac);
          expected += mse * Math.min(snr, gamma) / (type.equals("epsilon") ? snr : snr + 1) / 3;
        }
        Tensor t = Tensors.fromLongs(steps, 3);
        double weighted =
            DiffusionTraining.diffusionLoss(unet, schedule, latents, noise, t, cond, type, gamma)
                .item_double();
        double plain =
            DiffusionTraining.diffusionLoss(unet, schedule, latents, noise, t, cond, type)
                .item_double();
        assertEquals(expected, weighted, 1e-5 * expected, type);
        assertNotEquals(plain, weighted, 1e-3 * plain, type + ": the weighting changed nothing");
      }
    }
  }
}
