package org.altdiffusion.train.tasks;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.JsonConfig;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.altdiffusion.models.vae.DiagonalGaussian;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.recipe.ShapesTrainingData;
import org.altdiffusion.train.NonFinitePolicy;
import org.altdiffusion.train.TrainConfig;
import org.altdiffusion.train.Trainer;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.optim.AdamWOptimizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaeTrainingTest {
  static final String CONFIG =
      "{\"_class_name\": \"AutoencoderKL\", \"block_out_channels\": [8, 16], \"down_block_types\":"
          + " [\"DownEncoderBlock2D\", \"DownEncoderBlock2D\"], \"up_block_types\":"
          + " [\"UpDecoderBlock2D\", \"UpDecoderBlock2D\"], \"latent_channels\": 4,"
          + " \"norm_num_groups\": 4, \"layers_per_block\": 1, \"sample_size\": 64}";

  @BeforeAll
  static void init() {
    Torch.init();
  }

  static AutoencoderKL vae() {
    AutoencoderKL vae =
        new AutoencoderKL(
            AutoencoderKLConfig.from(JsonConfig.parse(Path.of("config.json"), CONFIG)));
    vae.initialize(Tensors.generator(0));
    return vae;
  }

  @Test
  void klDivergenceIsTheClosedFormSummedOverLatentsAndAveragedOverTheBatch() {
    float[] mean = {0.5f, -1f, 0f, 2f};
    float[] logvar = {0f, -1f, 1f, 0.5f};
    var d =
        new DiagonalGaussian(
            Tensors.fromFloats(mean, 2, 2, 1, 1), Tensors.fromFloats(logvar, 2, 2, 1, 1));
    double expected = 0;
    for (int i = 0; i < 4; i++)
      expected += 0.5 * (mean[i] * mean[i] + Math.exp(logvar[i]) - 1 - logvar[i]);
    assertEquals(expected / 2, Tensors.toFloats(VaeTraining.klDivergence(d))[0], 1e-5);
  }

  @Test
  void reconstructionLossFallsAndTheExportLoads(@TempDir Path tmp) throws Exception {
    AutoencoderKL vae = vae();
    var data = ShapesTrainingData.imageText(0, 16, 64, List.of(Language.EN));
    var task = new VaeTraining(vae, data, 0.5, 1e-6, CONFIG, new ObjectMapper().createObjectNode());
    assertEquals(vae.namedParameters().keySet(), task.trainable().keySet());
    var config =
        new TrainConfig(
            30,
            8,
            1,
            3e-3,
            "constant",
            0,
            0,
            new AdamWOptimizer.Settings(3e-3, 0.9, 0.999, 1e-8, 0),
            1.0,
            0,
            0,
            true,
            NonFinitePolicy.STOP,
            0,
            1);
    Trainer.Result r =
        new Trainer<>(config, task, Distributed.single(), Trainer.Options.quiet(tmp)).run();
    assertTrue(r.lastLoss() < 0.6 * r.firstLoss(), "loss " + r.firstLoss() + " -> " + r.lastLoss());
    AutoencoderKL loaded = AutoencoderKL.fromPretrained(tmp.resolve("final"));
    for (var e : vae.namedParameters().entrySet()) {
      Parameter p = loaded.namedParameters().get(e.getKey());
      assertEquals(0, Tensors.maxAbsDiff(e.getValue().get(), p.get()), e.getKey());
    }
  }

  @Test
  void refusesNegativeWeights() {
    var data = ShapesTrainingData.imageText(0, 16, 64, List.of(Language.EN));
    var empty = new ObjectMapper().createObjectNode();
    assertThrows(
        IllegalArgumentException.class, () -> new VaeTraining(vae(), data, -1, 0, CONFIG, empty));
    assertThrows(
        IllegalArgumentException.class,
        () -> new VaeTraining(vae(), data, 0, Double.NaN, CONFIG, empty));
  }
}
