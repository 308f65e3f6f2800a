package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.JsonConfig;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The k-diffusion rows of the sampler table (DPM++ 2S a, DPM++ 3M SDE) and the A1111 schedule types
 * on them: names, A1111's default schedules, what is refused, and the index contract (img2img
 * start, steps in order, history freed). Numbers against k-diffusion: SchedulerParityTest and
 * KDiffusionSchedulesTest.
 */
class KDiffusionSamplersTest {
  static SchedulerConfig m18;

  @BeforeAll
  static void load() {
    Torch.init();
    m18 =
        SchedulerConfig.parse(
            JsonConfig.parse(
                Path.of("m18"),
                "{\"_class_name\": \"PNDMScheduler\", \"beta_start\": 0.00085, \"beta_end\": 0.012,"
                    + " \"beta_schedule\": \"scaled_linear\", \"steps_offset\": 1,"
                    + " \"use_karras_sigmas\": false}"));
  }

  @Test
  void a1111NamesAndDefaultSchedules() {
    SchedulerConfig twoS = Samplers.configFor("DPM++ 2S a", m18);
    assertEquals(SchedulerConfig.DPMPP_2S_ANCESTRAL, twoS.className());
    assertTrue(twoS.useKarrasSigmas(), "A1111 1.10 runs DPM++ 2S a on Karras sigmas");
    assertEquals("DPM++ 2S a", Samplers.requireKnown("k_dpmpp_2s_a"));
    assertEquals("DPM++ 2S a Karras", Samplers.requireKnown("k_dpmpp_2s_a_ka"));
    SchedulerConfig threeM = Samplers.configFor("dpm++ 3m sde", m18);
    assertEquals(SchedulerConfig.DPMPP_3M_SDE, threeM.className());
    assertEquals("exponential", threeM.sigmaSchedule());
    assertEquals("Exponential", Samplers.resolve("DPM++ 3M SDE", null).scheduleType());
    assertEquals("Karras", Samplers.resolve("DPM++ 2S a", null).scheduleType());
    assertNull(Samplers.resolve("DPM++ 2S a Karras", null).scheduleType());
    assertTrue(Samplers.names().contains("DPM++ 3M SDE"));
  }

  @Test
  void aChosenScheduleTypeReplacesTheRowsOwn() {
    SchedulerConfig karras3m = Samplers.resolve("DPM++ 3M SDE", "Karras").config(m18);
    assertNull(karras3m.sigmaSchedule());
    assertTrue(karras3m.useKarrasSigmas());
    SchedulerConfig ays2s = Samplers.resolve("DPM++ 2S a", "Align Your Steps").config(m18);
    assertEquals("align_your_steps", ays2s.sigmaSchedule());
    assertFalse(ays2s.useKarrasSigmas());
    assertEquals(
        "kl_optimal", Samplers.resolve("DPM++ 2M", "KL Optimal").config(m18).sigmaSchedule());
    // a file's use_karras_sigmas does not beat an explicit sigma schedule
    SchedulerConfig fileKarras =
        SchedulerConfig.of(
            SchedulerConfig.EULER, Map.of("use_karras_sigmas", true, "sigma_schedule", "beta"));
    assertFalse(fileKarras.useKarrasSigmas());
    assertEquals("beta", fileKarras.sigmaSchedule());
  }

  @Test
  void refusedCombinationsSayWhy() {
    SamplerChoice trailing = Samplers.resolve("DPM++ 2S a", "Trailing");
    var e = assertThrows(IllegalArgumentException.class, () -> trailing.config(m18));
    assertTrue(e.getMessage().contains("not available for DPM++ 2S a"), e.getMessage());
    SamplerChoice eulerA = Samplers.resolve("Euler a", "Exponential");
    e = assertThrows(IllegalArgumentException.class, () -> eulerA.config(m18));
    assertTrue(e.getMessage().contains("sigma_schedule"), e.getMessage());
    var bad =
        assertThrows(
            RuntimeException.class,
            () ->
                SchedulerConfig.of(
                    SchedulerConfig.DPMPP_3M_SDE, Map.of("prediction_type", "sample")));
    assertTrue(bad.getMessage().contains("v_prediction"), bad.getMessage());
    bad =
        assertThrows(
            RuntimeException.class,
            () -> SchedulerConfig.of(SchedulerConfig.EULER, Map.of("sigma_schedule", "simple")));
    assertTrue(bad.getMessage().contains("align_your_steps"), bad.getMessage());
  }

  @Test
  void twoSAncestralInterleavesMidpointsAndStartsImg2imgOnAStep() {
    try (PointerScope scope = new PointerScope();
        Scheduler s = Samplers.create(Samplers.configFor("DPM++ 2S a", m18))) {
      s.setTimesteps(10);
      assertEquals(2, s.order());
      assertEquals(19, s.timesteps().length, "two evaluations per step, one at the last");
      assertEquals(20, s.sigmas().length);
      assertEquals(s.sigmas()[0], s.initNoiseSigma(), 0.0);
      assertEquals(6, s.img2imgStart(0.75), "t_start 3, times the order");
      Tensor x = Tensors.randn(Tensors.generator(1), 1, 4, 4, 4);
      Generator g = Tensors.generator(2);
      s.step(x, 0, x, g);
      assertThrows(IllegalStateException.class, () -> s.step(x, 2, x, g), "steps in order");
    }
  }

  @Test
  void threeMSdeDropsTheNextToLastSigmaAndFinishesOnTheDenoisedSample() {
    try (PointerScope scope = new PointerScope();
        Scheduler s = Samplers.create(Samplers.configFor("DPM++ 3M SDE", m18))) {
      s.setTimesteps(5);
      double[] sigmas = s.sigmas();
      assertEquals(6, sigmas.length);
      float[] exponential = KDiffusionSchedules.sigmas("exponential", 6, trainSigmas());
      assertEquals(exponential[4], sigmas[4], 0.0);
      assertEquals(0.0, sigmas[5], 0.0, "sigma_min, the next-to-last, dropped");
      Tensor x = Tensors.randn(Tensors.generator(1), 1, 4, 4, 4);
      Generator g = Tensors.generator(2);
      Tensor latents = x;
      Scheduler.StepResult r = null;
      for (int i = 0; i < 5; i++) {
        r = s.step(x.mul(Tensors.scalar(0.1)), i, latents, g);
        latents = r.prevSample();
      }
      assertEquals(0.0, Tensors.maxAbsDiff(r.predOriginalSample(), latents), 0.0);
    }
  }

  private static float[] trainSigmas() {
    return ScheduleMath.trainSigmas(NoiseSchedule.of(m18).alphasCumprod());
  }
}
