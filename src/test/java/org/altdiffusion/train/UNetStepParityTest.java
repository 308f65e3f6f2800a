package org.altdiffusion.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
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
    org.altdiffusion.train.OneThread.use();
    ref = TrainingFixtures.tensors(TrainingFixtures.training("unet_steps.safetensors"));
    schedule =
        NoiseSchedule.of(
            SchedulerConfig.read(
                TrainingFixtures.path(
                    "pipeline/tiny-altdiffusion/scheduler/scheduler_config.json")));
  }

  @org.junit.jupiter.api.AfterAll
  static void restoreThreads() {
    org.altdiffusion.train.OneThread.restore();
  }

  /**
   * The optimiser alone: with torch's own gradients of step 1 put on the parameters, our clipping +
   * AdamW update lands on torch's weights within 1e-6.
   */
  @Test
  void optimizerStepOnReferenceGradientsMatchesTorch() {
    UNet2DConditionModel unet =
        UNet2DConditionModel.fromPretrained(TrainingFixtures.training("unet"));
    Map<String, Parameter> params = unet.namedParameters();
    try (var optimizer =
        new org.altdiffusion.train.optim.AdamWOptimizer(
            params, FixtureStepTask.referenceConfig(1).optimizerSettings())) {
      params.forEach((name, p) -> p.get().mutable_grad().put(ref.get("grad_0." + name).clone()));
      double norm = org.altdiffusion.train.optim.Gradients.clip(optimizer.parameterVector(), 1.0);
      assertEquals(ref.get("norm_0").item_double(), norm, 1e-5 * norm, "gradient norm");
      optimizer.step();
    }
    double worst = 0;
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      double d = Tensors.maxAbsDiff(e.getValue().get().detach(), ref.get("after_0." + e.getKey()));
      worst = Math.max(worst, d);
      assertTrue(
          d < 1e-6, e.getKey() + ": AdamW on torch's gradients differs from torch's step by " + d);
    }
    System.out.printf(
        "UNet AdamW step on torch's gradients: max |weight - torch| = %.3g over %d tensors%n",
        worst, params.size());
  }

  /**
   * Our forward + backward give torch's gradients up to float rounding (relative to each tensor's
   * largest gradient).
   */
  @Test
  void gradientsMatchTorch(@TempDir Path out) throws Exception {
    UNet2DConditionModel unet =
        UNet2DConditionModel.fromPretrained(TrainingFixtures.training("unet"));
    Tensor loss =
        DiffusionTraining.diffusionLoss(
            unet,
            schedule,
            ref.get("latents_0"),
            ref.get("noise_0"),
            ref.get("timesteps_0"),
            ref.get("cond_0"),
            "epsilon");
    assertEquals(ref.get("loss_0").item_double(), loss.item_double(), 1e-6);
    loss.backward();
    double worst = 0;
    for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet()) {
      Tensor expected = ref.get("grad_0." + e.getKey());
      double scale = expected.abs().max().item_double();
      double rel = Tensors.maxAbsDiff(e.getValue().get().grad(), expected) / Math.max(scale, 1e-12);
      worst = Math.max(worst, rel);
      assertTrue(
          rel < 1e-4,
          e.getKey() + ": gradient differs from torch by " + rel + " of its largest value");
    }
    System.out.printf("UNet gradients: max |grad - torch| / max |grad| = %.3g%n", worst);
  }

  /**
   * The whole step (data -> loss -> backward -> clip -> AdamW) through the real training loop. Adam
   * divides each gradient element by its own running magnitude, so elements whose gradient is tiny
   * turn float-rounding differences of the forward/backward pass into weight differences up to a
   * fraction of lr: the bound is 0.05 lr per step, and nearly every element is within 1e-6.
   */
  @Test
  void oneStepMatchesReference(@TempDir Path out) throws Exception {
    UNet2DConditionModel unet = assertStepsMatch(1, out);
    // Where the gradient is well above Adam's eps (1e-8) the update is lr * sign(g) and the weights
    // agree within 1e-6; every weight beyond that has |clipped gradient| < 1e-7 (measured: the 23
    // such weights of 200,644 have at most 7.3e-8), where lr * g / (|g| + eps) turns float rounding
    // of g into a different step.
    double norm = ref.get("norm_0").item_double();
    double clip = Math.min(1, 1.0 / norm);
    long steep = 0;
    for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet()) {
      float[] mine = Tensors.toFloats(e.getValue().get().detach());
      float[] theirs = Tensors.toFloats(ref.get("after_0." + e.getKey()));
      float[] grad = Tensors.toFloats(ref.get("grad_0." + e.getKey()));
      for (int i = 0; i < mine.length; i++) {
        if (Math.abs(grad[i]) * clip < 1e-7) {
          steep++;
          continue;
        }
        assertTrue(
            Math.abs(mine[i] - theirs[i]) <= 1e-6,
            e.getKey()
                + "["
                + i
                + "] differs by "
                + Math.abs(mine[i] - theirs[i])
                + " with |gradient| "
                + Math.abs(grad[i]) * clip);
      }
    }
    System.out.printf(
        "UNet, 1 step: every weight with |clipped gradient| >= 1e-7 within 1e-6 of torch (%d"
            + " weights below that left out)%n",
        steep);
  }

  /**
   * The same step with weights, inputs, loss and optimiser state in float64, through the real
   * training loop, against diffusers + torch.optim.AdamW in float64 (unet_step_f64.safetensors):
   * the kernels' rounding (MKL in PyTorch wheels, OpenBLAS here) drops far below 1e-6, so every
   * weight of every tensor, the tiny-gradient ones included, must agree within 1e-6: the step's
   * algorithm (noising, loss, clipping, AdamW with decoupled decay and bias correction) is torch's.
   */
  @Test
  void oneFloat64StepMatchesReferenceForEveryWeight(@TempDir Path out) throws Exception {
    Map<String, Tensor> f64 =
        TrainingFixtures.tensors(TrainingFixtures.training("unet_step_f64.safetensors"));
    UNet2DConditionModel unet =
        UNet2DConditionModel.fromPretrained(TrainingFixtures.training("unet"));
    for (Parameter p : unet.namedParameters().values())
      p.set(p.get().detach().to(org.bytedeco.pytorch.global.torch.ScalarType.Double));
    double[] loss = new double[1];
    FixtureStepTask task =
        new FixtureStepTask(
            unet.namedParameters(),
            1,
            k -> {
              Tensor l =
                  DiffusionTraining.diffusionLoss(
                      unet,
                      schedule,
                      wide(ref.get("latents_0")),
                      wide(ref.get("noise_0")),
                      ref.get("timesteps_0"),
                      wide(ref.get("cond_0")),
                      "epsilon");
              loss[0] = l.item_double();
              return l;
            });
    new Trainer<>(
            FixtureStepTask.referenceConfig(1),
            task,
            Distributed.single(),
            Trainer.Options.quiet(out))
        .run();
    assertEquals(f64.get("loss").item_double(), loss[0], 1e-12, "float64 loss");
    double worst = 0;
    for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet()) {
      Tensor mine = e.getValue().get().detach();
      assertEquals(
          org.bytedeco.pytorch.global.torch.ScalarType.Double.value,
          mine.scalar_type().value,
          e.getKey() + " stayed float64");
      double d = Tensors.maxAbsDiff(mine, f64.get("after." + e.getKey()));
      worst = Math.max(worst, d);
      assertTrue(d <= 1e-6, e.getKey() + ": float64 step differs from torch's by " + d);
    }
    System.out.printf(
        "UNet, 1 step in float64: max |weight - torch| = %.3g over all %d tensors%n",
        worst, unet.namedParameters().size());
  }

  private static Tensor wide(Tensor t) {
    return t.to(org.bytedeco.pytorch.global.torch.ScalarType.Double);
  }

  @Test
  void threeStepsMatchReference(@TempDir Path out) throws Exception {
    assertStepsMatch(3, out);
  }

  private UNet2DConditionModel assertStepsMatch(int steps, Path out) throws Exception {
    UNet2DConditionModel unet =
        UNet2DConditionModel.fromPretrained(TrainingFixtures.training("unet"));
    double[] losses = new double[steps];
    FixtureStepTask task =
        new FixtureStepTask(
            unet.namedParameters(),
            steps,
            k -> {
              Tensor loss =
                  DiffusionTraining.diffusionLoss(
                      unet,
                      schedule,
                      ref.get("latents_" + k),
                      ref.get("noise_" + k),
                      ref.get("timesteps_" + k),
                      ref.get("cond_" + k),
                      k == 1 ? "v_prediction" : "epsilon");
              losses[k] = loss.item_double();
              return loss;
            });
    new Trainer<>(
            FixtureStepTask.referenceConfig(steps),
            task,
            Distributed.single(),
            Trainer.Options.quiet(out))
        .run();
    for (int k = 0; k < steps; k++) {
      double refLoss = ref.get("loss_" + k).item_double();
      assertEquals(refLoss, losses[k], 1e-5 * Math.max(1, refLoss), "loss of step " + (k + 1));
    }
    double worst = 0;
    long elements = 0;
    long over = 0;
    int k = steps - 1;
    for (Map.Entry<String, Parameter> e : unet.namedParameters().entrySet()) {
      Tensor diff = e.getValue().get().detach().sub(ref.get("after_" + k + "." + e.getKey())).abs();
      double d = diff.max().item_double();
      worst = Math.max(worst, d);
      elements += diff.numel();
      over += diff.gt(new org.bytedeco.pytorch.Scalar(1e-6)).sum().item_long();
      assertTrue(
          d < 0.05 * 1e-3 * steps,
          e.getKey() + " after step " + steps + " differs from torch by " + d);
    }
    double share = (double) over / elements;
    assertTrue(
        share < 1e-3, over + " of " + elements + " weights differ from torch by more than 1e-6");
    System.out.printf(
        "UNet, %d step(s) end to end: max |weight - torch| = %.3g; %d of %d weights (%.4f%%) beyond"
            + " 1e-6; losses %s%n",
        steps, worst, over, elements, 100.0 * share, java.util.Arrays.toString(losses));
    return unet;
  }
}
