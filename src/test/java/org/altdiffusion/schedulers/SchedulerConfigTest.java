package org.altdiffusion.schedulers;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;
import org.junit.jupiter.api.Test;

/** scheduler_config.json parsing: diffusers' per-class defaults, from_config conversion, errors. */
class SchedulerConfigTest {
  static final String M18 =
      """
      {"_class_name": "PNDMScheduler", "_diffusers_version": "0.10.0.dev0", "beta_end": 0.012,
       "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false,
       "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true,
       "steps_offset": 1, "trained_betas": null}\
      """;

  static SchedulerConfig parse(String json) {
    return SchedulerConfig.parse(JsonConfig.parse(Path.of("scheduler_config.json"), json));
  }

  @Test
  void readsTheM18Config() {
    SchedulerConfig c = parse(M18);
    assertEquals(SchedulerConfig.PNDM, c.className());
    assertEquals(1000, c.numTrainTimesteps());
    assertEquals(0.00085, c.betaStart());
    assertEquals(0.012, c.betaEnd());
    assertEquals("scaled_linear", c.betaSchedule());
    assertNull(c.trainedBetas());
    assertTrue(c.skipPrkSteps());
    assertFalse(c.setAlphaToOne());
    assertEquals(1, c.stepsOffset());
    assertEquals("epsilon", c.predictionType());
    assertEquals("leading", c.timestepSpacing()); // PNDM's default
  }

  @Test
  void classDefaultsFollowDiffusers() {
    SchedulerConfig ddim = SchedulerConfig.of(SchedulerConfig.DDIM, Map.of());
    assertTrue(ddim.clipSample());
    assertTrue(ddim.setAlphaToOne());
    assertEquals("leading", ddim.timestepSpacing());
    assertEquals("linear", ddim.betaSchedule());
    assertEquals(0.0001, ddim.betaStart());
    assertEquals(0.02, ddim.betaEnd());
    SchedulerConfig dpm = SchedulerConfig.of(SchedulerConfig.DPM_MULTISTEP, Map.of());
    assertEquals("linspace", dpm.timestepSpacing());
    assertEquals(2, dpm.solverOrder());
    assertEquals("dpmsolver++", dpm.algorithmType());
    assertTrue(dpm.lowerOrderFinal());
    assertEquals("zero", dpm.finalSigmasType());
    assertEquals(Double.NEGATIVE_INFINITY, dpm.lambdaMinClipped());
    assertFalse(SchedulerConfig.of(SchedulerConfig.PNDM, Map.of()).skipPrkSteps());
  }

  @Test
  void samplerConversionKeepsFileValuesAndTakesNewDefaults() {
    SchedulerConfig m18 = parse(M18);
    // clip_sample and set_alpha_to_one are in the file: they carry over even though PNDM ignores
    // clip_sample.
    SchedulerConfig ddim = Samplers.configFor("DDIM", m18);
    assertFalse(ddim.clipSample());
    assertFalse(ddim.setAlphaToOne());
    assertEquals(0.00085, ddim.betaStart());
    assertEquals(1, ddim.stepsOffset());
    // timestep_spacing is not in the file: Euler's own default applies.
    SchedulerConfig euler = Samplers.configFor("Euler", m18);
    assertEquals("linspace", euler.timestepSpacing());
    assertEquals("scaled_linear", euler.betaSchedule());
    SchedulerConfig karras = Samplers.configFor("DPM++ 2M Karras", m18);
    assertEquals(SchedulerConfig.DPM_MULTISTEP, karras.className());
    assertTrue(karras.useKarrasSigmas());
    assertEquals(2, karras.solverOrder());
    // Chained conversions keep the override, as diffusers' config does.
    assertTrue(Samplers.configFor("LMS", karras).useKarrasSigmas());
    assertFalse(Samplers.configFor("DPM++ 2M", m18).useKarrasSigmas());
  }

  @Test
  void unsupportedValuesNameTheFieldAndTheAcceptedValues() {
    assertError("{\"beta_start\": 0.1}", "_class_name", "PNDMScheduler");
    assertError(
        "{\"_class_name\": \"EDMEulerScheduler\"}", "_class_name", "DPMSolverMultistepScheduler");
    assertError(
        "{\"_class_name\": \"DDIMScheduler\", \"beta_schedule\": \"cosine\"}",
        "beta_schedule",
        "squaredcos_cap_v2");
    assertError(
        "{\"_class_name\": \"PNDMScheduler\", \"prediction_type\": \"sample\"}",
        "prediction_type",
        "v_prediction");
    assertError(
        "{\"_class_name\": \"DDIMScheduler\", \"timestep_spacing\": \"uniform\"}",
        "timestep_spacing",
        "trailing");
    assertError(
        "{\"_class_name\": \"DDIMScheduler\", \"thresholding\": true}",
        "thresholding",
        "accepted: false");
    assertError(
        "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"solver_order\": 4}",
        "solver_order",
        "1, 2 or 3");
    assertError(
        "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"algorithm_type\": \"sde-dpmsolver\"}",
        "algorithm_type",
        "dpmsolver++");
    assertError(
        "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"algorithm_type\": \"dpmsolver\"}",
        "final_sigmas_type",
        "sigma_min");
    assertError(
        "{\"_class_name\": \"DPMSolverMultistepScheduler\", \"variance_type\": \"learned_range\"}",
        "variance_type",
        "null");
    assertError(
        "{\"_class_name\": \"EulerDiscreteScheduler\", \"interpolation_type\": \"cubic\"}",
        "interpolation_type",
        "log_linear");
    assertError(
        "{\"_class_name\": \"DDIMScheduler\", \"num_train_timesteps\": 0}",
        "num_train_timesteps",
        "at least 1");
    assertError(
        "{\"_class_name\": \"DDIMScheduler\", \"steps_offset\": -1}", "steps_offset", "at least 0");
    assertError(
        "{\"_class_name\": \"DDIMScheduler\", \"beta_start\": \"small\"}",
        "beta_start",
        "a number");
    assertError(
        "{\"_class_name\": \"PNDMScheduler\", \"num_train_timesteps\": 3, \"trained_betas\": [0.1,"
            + " 0.2]}",
        "trained_betas",
        "expected num_train_timesteps = 3");
    assertError(
        "{\"_class_name\": \"PNDMScheduler\", \"num_train_timesteps\": 2, \"trained_betas\": [0.1,"
            + " 1.5]}",
        "trained_betas",
        "[0, 1]");
  }

  @Test
  void anotherClassesScheduleServesASamplerByName() {
    SchedulerConfig ddpm =
        parse(
            "{\"_class_name\": \"EDMEulerScheduler\", \"beta_schedule\": \"scaled_linear\","
                + " \"beta_start\": 0.00085, \"beta_end\": 0.012, \"variance_type\":"
                + " \"fixed_small\"}");
    assertFalse(ddpm.supported());
    SchedulerConfig euler = Samplers.configFor("Euler", ddpm);
    assertEquals(0.012, euler.betaEnd());
    assertTrue(euler.supported());
    assertEquals(1000, NoiseSchedule.of(ddpm).numTrainTimesteps());
  }

  @Test
  void keysTheClassDoesNotTakeAreIgnoredAsInDiffusers() {
    // PNDM has no clip_sample nor solver_order: a PNDM file may carry them harmlessly.
    SchedulerConfig c =
        parse("{\"_class_name\": \"PNDMScheduler\", \"clip_sample\": true, \"solver_order\": 9}");
    assertEquals(SchedulerConfig.PNDM, c.className());
  }

  /** DPMSolverMultistepScheduler().save_pretrained() in diffusers 0.30.3, verbatim. */
  static final String DPM_SAVED =
      """
      {
        "_class_name": "DPMSolverMultistepScheduler",
        "_diffusers_version": "0.30.3",
        "algorithm_type": "dpmsolver++",
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "beta_start": 0.00085,
        "dynamic_thresholding_ratio": 0.995,
        "euler_at_final": false,
        "final_sigmas_type": "zero",
        "lambda_min_clipped": -Infinity,
        "lower_order_final": true,
        "num_train_timesteps": 1000,
        "prediction_type": "epsilon",
        "rescale_betas_zero_snr": false,
        "sample_max_value": 1.0,
        "solver_order": 2,
        "solver_type": "midpoint",
        "steps_offset": 1,
        "thresholding": false,
        "timestep_spacing": "linspace",
        "trained_betas": null,
        "use_karras_sigmas": false,
        "use_lu_lambdas": false,
        "variance_type": null
      }\
      """;

  @Test
  void readsTheDpmConfigDiffusersSavesWithMinusInfinity() {
    SchedulerConfig c = parse(DPM_SAVED);
    assertEquals(SchedulerConfig.DPM_MULTISTEP, c.className());
    assertEquals(Double.NEGATIVE_INFINITY, c.lambdaMinClipped());
    assertEquals(1, c.stepsOffset());
    // Converting it (a sampler chosen by name) keeps -Infinity: the tree is copied, not its text
    SchedulerConfig karras = Samplers.configFor("DPM++ 2M Karras", c);
    assertTrue(karras.useKarrasSigmas());
    assertEquals(Double.NEGATIVE_INFINITY, karras.lambdaMinClipped());
    assertEquals(0.012, Samplers.configFor("Euler", c).betaEnd());
    // -Infinity clips nothing: the schedule runs from the last train timestep
    try (Scheduler s = Samplers.create(c)) {
      s.setTimesteps(10);
      assertEquals(999, s.timesteps()[0]);
    }
  }

  /**
   * Keys listed in _use_default_values (written by some diffusers versions) are ignored, as
   * diffusers 0.30.3's extract_init_dict ignores them. Reference, for this very file:
   * PNDMScheduler.from_pretrained gives prediction_type epsilon, timestep_spacing leading, and
   * EulerDiscreteScheduler.from_config of its config timestep_spacing linspace.
   */
  @Test
  void keysListedInUseDefaultValuesTakeTheClassDefaults() {
    SchedulerConfig c =
        parse(
            "{\"_class_name\": \"PNDMScheduler\", \"_diffusers_version\": \"0.21.0\","
                + " \"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085, \"beta_end\":"
                + " 0.012, \"skip_prk_steps\": true, \"steps_offset\": 1, \"timestep_spacing\":"
                + " \"leading\", \"prediction_type\": \"v_prediction\", \"_use_default_values\":"
                + " [\"timestep_spacing\", \"prediction_type\"]}");
    assertEquals("epsilon", c.predictionType());
    assertEquals("leading", c.timestepSpacing());
    assertEquals("linspace", Samplers.configFor("Euler", c).timestepSpacing());
    assertEquals("epsilon", Samplers.configFor("Euler", c).predictionType());
  }

  @Test
  void unusableLambdaMinClippedIsAnErrorNamingTheKey() {
    String nan = DPM_SAVED.replace("-Infinity", "NaN");
    CheckpointException e = assertThrows(CheckpointException.class, () -> parse(nan));
    assertEquals(
        "scheduler_config.json: field 'lambda_min_clipped' must be a number (Infinity and"
            + " -Infinity allowed), got NaN",
        e.getMessage());
    // +Infinity (or any value above every lambda) would clip every timestep
    assertError(DPM_SAVED.replace("-Infinity", "Infinity"), "lambda_min_clipped", "clip every");
    assertError(DPM_SAVED.replace("-Infinity", "20.0"), "lambda_min_clipped", "clip every");
    // a finite value below the largest lambda clips (squaredcos_cap_v2 configs use -5.1)
    try (Scheduler s = Samplers.create(parse(DPM_SAVED.replace("-Infinity", "-5.1")))) {
      s.setTimesteps(10);
    }
  }

  @Test
  void nonFiniteValuesWhereDiffusersGivesThemNoMeaningAreErrors() {
    CheckpointException e =
        assertThrows(
            CheckpointException.class,
            () -> parse(DPM_SAVED.replace("\"beta_end\": 0.012", "\"beta_end\": Infinity")));
    assertEquals(
        "scheduler_config.json: field 'beta_end' must be a finite number, got Infinity",
        e.getMessage());
  }

  @Test
  void uniPcConfigsThatEndInNanAreRefused() {
    assertError(
        "{\"_class_name\": \"UniPCMultistepScheduler\", \"solver_type\": \"bh1\"}",
        "final_sigmas_type",
        "sigma_min");
    assertError(
        "{\"_class_name\": \"UniPCMultistepScheduler\", \"predict_x0\": false}",
        "final_sigmas_type",
        "sigma_min");
    assertError(
        "{\"_class_name\": \"UniPCMultistepScheduler\", \"solver_p\": {}}", "solver_p", "null");
    SchedulerConfig bh1 =
        parse(
            "{\"_class_name\": \"UniPCMultistepScheduler\", \"solver_type\": \"bh1\","
                + " \"final_sigmas_type\": \"sigma_min\", \"disable_corrector\": [0, 2]}");
    assertEquals("bh1", bh1.solverType());
    assertEquals(List.of(0, 2), bh1.disableCorrector());
    assertEquals("bh2", parse("{\"_class_name\": \"UniPCMultistepScheduler\"}").solverType());
  }

  private static void assertError(String json, String field, String accepted) {
    CheckpointException e =
        assertThrows(CheckpointException.class, () -> Samplers.create(parse(json)), json);
    assertTrue(e.getMessage().contains("'" + field + "'"), e.getMessage());
    assertTrue(e.getMessage().contains(accepted), e.getMessage());
    assertTrue(e.getMessage().contains("scheduler_config.json"), e.getMessage());
  }
}
