package org.altdiffusion.train.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.pipeline.ModelComponents;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.pipeline.SingleFileOptions;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.train.TrainingRandom;
import org.altdiffusion.train.data.Batch;
import org.altdiffusion.train.data.ImageText;
import org.altdiffusion.train.optim.AdamWOptimizer;
import org.altdiffusion.train.optim.Ema;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A training step (loss, backward, AdamW update, EMA) with the model on libtorch's {@code meta}
 * device: noise, timesteps, pictures and captions are made on the CPU and must reach the model's
 * device, or the step fails with a device mismatch (see {@code pipeline.MetaDeviceTest}).
 */
class TrainingOnMetaTest {
  static final Path TINY = Path.of("src/test/resources/fixtures/pipeline/tiny-altdiffusion");

  @Test
  void aUnetTrainingStepRunsOnTheModelsDevice() {
    Torch.init();
    ModelComponents m =
        PipelineLoader.components(
            TINY, SingleFileOptions.defaults().withDevice(ComputeDevice.META));
    DiffusionTraining task =
        new DiffusionTraining(
            m.unet(),
            m.vae(),
            m.text(),
            16,
            NoiseSchedule.of(m.scheduler()),
            "epsilon",
            DiffusionTraining.Stage.QUALITY,
            0.5,
            5.0,
            null,
            null,
            null,
            null);
    step(task.trainable(), () -> task.loss(batch(), new TrainingRandom(1)));
  }

  @Test
  void aControlNetTrainingStepRunsOnTheModelsDevice() {
    Torch.init();
    ModelComponents m = PipelineLoader.components(TINY);
    ControlNetModel net =
        ControlNetModel.fromUnet(m.unet(), 3, List.of(16, 32), Tensors.generator(0));
    m.to(ComputeDevice.META);
    net.moveTo(ComputeDevice.META);
    ControlNetTraining task =
        new ControlNetTraining(
            net,
            m.unet(),
            m.vae(),
            m.text(),
            16,
            NoiseSchedule.of(m.scheduler()),
            "epsilon",
            0.5,
            ControlConditioning.preprocessed(Preprocessor.CANNY, Preprocessor.Settings.defaults()),
            null,
            null);
    // torch.mse_loss's backward has no C++ meta kernel: the forward pass is what makes tensors
    try (PointerScope s = new PointerScope()) {
      Tensor loss = task.loss(batch(), new TrainingRandom(1));
      assertTrue(loss.is_meta(), "the loss is on the model's device");
      assertEquals(0, loss.dim());
    }
  }

  private static void step(
      Map<String, Parameter> trainable, java.util.function.Supplier<Tensor> loss) {
    try (PointerScope s = new PointerScope();
        AdamWOptimizer optimizer = new AdamWOptimizer(trainable, AdamWOptimizer.Settings.DEFAULT);
        Ema ema = new Ema(trainable, 0.99)) {
      Tensor l = loss.get();
      assertTrue(l.is_meta(), "the loss is on the model's device");
      assertEquals(0, l.dim());
      l.backward();
      int withGradient = 0;
      for (Parameter p : trainable.values())
        if (p.get().grad().defined()) {
          assertTrue(p.get().grad().is_meta());
          withGradient++;
        }
      assertEquals(trainable.size(), withGradient, "every trained weight gets a gradient");
      optimizer.step();
      ema.update(trainable);
      for (Parameter p : trainable.values()) assertTrue(p.get().is_meta());
      assertFalse(trainable.isEmpty());
    }
  }

  private static Batch<ImageText> batch() {
    List<ImageText> items = new ArrayList<>();
    for (int i = 0; i < 2; i++)
      items.add(new ImageText(new float[3 * 32 * 32], 32, "ein roter Kreis", "k" + i));
    return new Batch<>(items, new long[] {0, 1}, 2);
  }
}
