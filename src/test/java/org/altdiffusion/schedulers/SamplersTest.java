package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sampler names, argument checks and the step contract (order, history across native scopes). */
class SamplersTest {
  static SchedulerConfig m18;

  @BeforeAll
  static void init() {
    Torch.init();
    m18 = SchedulerConfigTest.parse(SchedulerConfigTest.M18);
  }

  @Test
  void namesUsersKnowAndClassNames() {
    assertTrue(
        Samplers.names()
            .containsAll(
                List.of("PNDM", "DDIM", "Euler", "Euler a", "LMS", "DPM++ 2M", "DPM++ 2M Karras")));
    assertEquals(SchedulerConfig.EULER_ANCESTRAL, Samplers.byName("euler A", m18).className());
    assertEquals(SchedulerConfig.EULER_ANCESTRAL, Samplers.byName("EULER_A", m18).className());
    assertEquals(
        SchedulerConfig.EULER_ANCESTRAL,
        Samplers.byName("EulerAncestralDiscreteScheduler", m18).className());
    assertEquals(SchedulerConfig.PNDM, Samplers.byName("pndmscheduler", m18).className());
    assertTrue(Samplers.byName("dpm++ 2m karras", m18).config().useKarrasSigmas());
    assertEquals("sde-dpmsolver++", Samplers.byName("DPM++ 2M SDE", m18).config().algorithmType());
    assertEquals(SchedulerConfig.PNDM, Samplers.create(m18).className());
    assertEquals(SchedulerConfig.HEUN, Samplers.byName("k_heun", m18).className());
    assertEquals(SchedulerConfig.KDPM2, Samplers.byName("KDPM2DiscreteScheduler", m18).className());
    assertEquals(SchedulerConfig.KDPM2_ANCESTRAL, Samplers.byName("dpm2_a", m18).className());
    assertEquals(2, Samplers.byName("DPM2 a Karras", m18).order());
    assertEquals(SchedulerConfig.DDPM, Samplers.byName("DDPM", m18).className());
  }

  @Test
  void scheduleTypesAreConfigOptionsOfTheSampler() {
    assertEquals("trailing", Samplers.resolve("Heun", "SGM Uniform").config(m18).timestepSpacing());
    assertEquals("leading", Samplers.resolve("DDIM", "leading").config(m18).timestepSpacing());
    assertTrue(Samplers.resolve("DPM2 a", "karras").config(m18).useKarrasSigmas());
    assertEquals("SGM Uniform", Samplers.resolve("Euler", "sgm_uniform").scheduleType());
    assertEquals("beta", Samplers.resolve("Euler", "beta").config(m18).sigmaSchedule());
    assertEquals("Beta", Samplers.resolve("Euler", "beta").scheduleType());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Samplers.resolve("Euler", "simple"));
    assertTrue(e.getMessage().contains("Align Your Steps"), e.getMessage());
    assertTrue(e.getMessage().contains("SGM Uniform"), e.getMessage());
    SamplerChoice ddpmKarras = Samplers.resolve("DDPM", "Karras");
    e = assertThrows(IllegalArgumentException.class, () -> ddpmKarras.config(m18));
    assertTrue(e.getMessage().contains("not available for DDPM"), e.getMessage());
  }

  @Test
  void predictionTypesASamplerCannotRunAreRefusedBeforeWork() {
    SchedulerConfig sample =
        SchedulerConfigTest.parse(
            SchedulerConfigTest.M18
                .replace("PNDMScheduler", "DDIMScheduler")
                .replace("}", ",\"prediction_type\":\"sample\"}"));
    var e = assertThrows(RuntimeException.class, () -> Samplers.configFor("DPM2", sample));
    assertTrue(e.getMessage().contains("epsilon, v_prediction"), e.getMessage());
  }

  @Test
  void unknownSamplerListsTheValidOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Samplers.byName("Restart", m18));
    assertTrue(e.getMessage().contains("unknown sampler 'Restart'"), e.getMessage());
    for (String name :
        List.of("\"Euler a\"", "\"DPM++ 2M Karras\"", "\"Heun\"", "\"DPM2 a\"", "DDPMScheduler")) {
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }

  @Test
  void stepCountsOutsideTheTrainRangeAreRefused() {
    for (String name : Samplers.names()) {
      Scheduler s = Samplers.byName(name, m18);
      for (int bad : new int[] {0, -3, 1001}) {
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> s.setTimesteps(bad), name);
        assertTrue(e.getMessage().contains("[1, 1000]"), e.getMessage());
      }
    }
    Scheduler prk =
        Samplers.create(SchedulerConfigTest.parse("{\"_class_name\": \"PNDMScheduler\"}"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> prk.setTimesteps(3));
    assertTrue(e.getMessage().contains("at least 4 steps"), e.getMessage());
  }

  @Test
  void stepsMustFollowSetTimestepsAndEachOther() {
    try (PointerScope scope = new PointerScope();
        Scheduler s = Samplers.byName("DPM++ 2M", m18)) {
      Tensor x = Tensors.randn(Tensors.generator(0), 1, 4, 8, 8);
      assertThrows(
          IllegalStateException.class, () -> s.step(x, 0, x, (org.altdiffusion.engine.Noise) null));
      assertThrows(IllegalStateException.class, () -> s.scaleModelInput(x, 0));
      s.setTimesteps(5);
      assertThrows(
          IllegalArgumentException.class,
          () -> s.step(x, 5, x, (org.altdiffusion.engine.Noise) null));
      assertThrows(
          IllegalArgumentException.class,
          () -> s.step(x, -1, x, (org.altdiffusion.engine.Noise) null));
      Tensor wrong = Tensors.randn(Tensors.generator(0), 1, 4, 8, 9);
      IllegalArgumentException shape =
          assertThrows(
              IllegalArgumentException.class,
              () -> s.step(wrong, 0, x, (org.altdiffusion.engine.Noise) null));
      assertTrue(shape.getMessage().contains("differ in shape"), shape.getMessage());
      s.step(x, 0, x, (org.altdiffusion.engine.Noise) null);
      IllegalStateException order =
          assertThrows(
              IllegalStateException.class,
              () -> s.step(x, 2, x, (org.altdiffusion.engine.Noise) null));
      assertTrue(order.getMessage().contains("the next step is 1"), order.getMessage());
      s.setTimesteps(5); // starts over
      s.step(x, 3, x, (org.altdiffusion.engine.Noise) null); // img2img may start anywhere
      assertThrows(IllegalArgumentException.class, () -> s.img2imgStart(1.5));
      assertThrows(IllegalArgumentException.class, () -> s.setEta(-0.1));
    }
  }

  @Test
  void img2imgStartFollowsGetTimesteps() {
    Scheduler s = Samplers.byName("DDIM", m18);
    s.setTimesteps(50);
    assertEquals(10, s.img2imgStart(0.8)); // 50 - int(50 * 0.8)
    assertEquals(0, s.img2imgStart(1.0));
    assertEquals(50, s.img2imgStart(0.0));
    s.setTimesteps(7);
    assertEquals(4, s.img2imgStart(0.5)); // 7 - int(3.5)
  }

  /**
   * Pipelines free each step's tensors with a scope: the history must survive it, results
   * unchanged.
   */
  @Test
  void historySurvivesPerStepScopes() {
    for (String name : List.of("PNDM", "LMS", "DPM++ 2M", "DPM++ 2M SDE", "Euler a")) {
      try (PointerScope outer = new PointerScope()) {
        Tensor plain = run(name, false);
        Tensor scoped = run(name, true);
        assertEquals(0.0, Tensors.maxAbsDiff(plain, scoped), name);
      }
    }
  }

  private static Tensor run(String name, boolean scopePerStep) {
    try (Scheduler s = Samplers.byName(name, m18)) {
      s.setTimesteps(8);
      Generator g = Tensors.generator(7);
      Tensor latents = Tensors.randn(g, 1, 4, 8, 8).mul(Tensors.scalar(s.initNoiseSigma()));
      for (int i = 0; i < s.timesteps().length; i++) {
        int index = i;
        Tensor current = latents;
        java.util.function.Supplier<Tensor> step =
            () -> {
              Tensor eps = s.scaleModelInput(current, index).mul(Tensors.scalar(0.5));
              return s.step(eps, index, current, g).prevSample();
            };
        latents = scopePerStep ? Scopes.keep(step) : step.get();
      }
      return latents;
    }
  }
}
