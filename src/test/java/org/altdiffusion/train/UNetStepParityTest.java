package org.altdiffusion.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.tasks.DiffusionTraining;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UNet optimisation steps through the real training loop equal the same steps done with diffusers
 * (UNet2DConditionModel, DDPMScheduler.add_noise / get_velocity) + torch.optim.AdamW and
 * clip_grad_norm_ (tools/reference/make_training_fixtures.py): identical weights, latents, noise,
 * timesteps and conditioning; epsilon target for steps 1 and 3, v-prediction for step 2.
 */
class UNetStepParityTest {
  static Map<String, Tensor> ref;
  static NoiseSchedule schedule;

  @BeforeAll
  static void init() {
    Torch.init();
    ref = TrainingFixtures.tensors(TrainingFixtures.training("unet_steps.safetensors"));
    schedule = NoiseSchedule.of(SchedulerConfig.read(TrainingFixtures.path("pipeline/tiny-altdiffusion/scheduler/scheduler_config.json")));
  }

  @Test
  void oneStepMatchesReference(@TempDir Path out) throws Exception {
    assertStepsMatch(1, out);
  }

  @Test
  void threeStepsMatchReference(@TempDir Path out) throws Exception {
    assertStepsMatch(3, out);
  }

  private void assertStepsMatch(int steps, Path out) throws Exception {
    UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(TrainingFixtures.training("unet"));
    double[] losses = new double[steps];
    FixtureStepTask task = new FixtureStepTask(unet.namedParameters(), steps, k -> {
      Tensor loss = DiffusionTraining.diffusionLoss(unet, schedule, ref.get("latents_" + k), ref.get("noise_" + k), ref.get("timesteps_" + k),
          ref.get("cond_" + k), k == 1 ? "v_prediction" : "epsilon");
      losses[k] = loss.item_double();
      return loss;
    });
    new Trainer<>(FixtureStepTask.referenceConfig(steps), task, Distributed.single(), Trainer.Options.quiet(out)).run();
    for (int k = 0; k < steps; k++) {
      double refLoss = ref.get("loss_" + k).item_double();
      assertEquals(refLoss, losses[k], 1e-6 * Math.max(1, refLoss), "loss of step " + (k + 1));
    }
    double worst = 0;
    int k = steps - 1;
    for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet()) {
      double d = Tensors.maxAbsDiff(e.getValue().get().detach(), ref.get("after_" + k + "." + e.getKey()));
      worst = Math.max(worst, d);
      if (d >= 1e-7) System.out.println("DIFF " + e.getKey() + " " + d);
    }
    System.out.printf("UNet, %d step(s): max |weight - torch| = %.3g over %d tensors, losses %s%n", steps, worst, unet.namedParameters().size(),
        java.util.Arrays.toString(losses));
  }
}
