package org.altdiffusion.schedulers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.JsonConfig;

/**
 * A {@code scheduler_config.json}, resolved for one scheduler class with diffusers 0.30.3's
 * defaults for that class. Keys the class does not take are ignored, as diffusers does; a value the
 * class takes but we do not support is an error naming the field and the accepted values.
 *
 * <p>The file is kept ({@link #source}) so that {@link #withClass} can re-read it for another class
 * the way diffusers' {@code OtherScheduler.from_config(scheduler.config, **overrides)} does: keys
 * present in the file carry over, keys absent take the new class's defaults.
 *
 * @param className `_class_name`: the diffusers class. Required. Only {@link #CLASS_NAMES} can be
 *     built; another class's file is read for the keys all schedulers share (its betas), so that a
 *     sampler can be chosen by name on it.
 * @param numTrainTimesteps `num_train_timesteps`, default 1000.
 * @param betaStart `beta_start`, default 0.0001 (Heun, DPM2, DPM2 a, DPM++ SDE: 0.00085).
 * @param betaEnd `beta_end`, default 0.02 (Heun, DPM2, DPM2 a, DPM++ SDE: 0.012).
 * @param betaSchedule `beta_schedule`: linear (default), scaled_linear or squaredcos_cap_v2.
 * @param trainedBetas `trained_betas`: explicit betas (one per train step) or null (default).
 * @param predictionType `prediction_type`: epsilon (default), v_prediction, or sample where the
 *     class supports it (not PNDM, Euler ancestral, DPM2, DPM2 a nor DPM++ SDE).
 * @param timestepSpacing `timestep_spacing`: leading (default of PNDM, DDIM and DDPM), linspace
 *     (default of the others) or trailing.
 * @param stepsOffset `steps_offset`, default 0; added to "leading" timesteps.
 * @param rescaleBetasZeroSnr `rescale_betas_zero_snr`, default false (DDIM, DDPM, Euler, Euler a,
 *     DPM, UniPC, LCM, TCD: where diffusers 0.30.3 takes it).
 * @param setAlphaToOne `set_alpha_to_one`: PNDM default false, DDIM default true.
 * @param skipPrkSteps `skip_prk_steps` (PNDM), default false: true = PLMS steps only.
 * @param clipSample `clip_sample` (DDIM, Heun), default true (Heun: false): clamp predicted x0.
 * @param clipSampleRange `clip_sample_range` (DDIM, Heun), default 1.0.
 * @param interpolationType `interpolation_type` (Euler): linear (default) or log_linear.
 * @param useKarrasSigmas `use_karras_sigmas` (Euler, LMS, DPM, Heun, DPM2, DPM2 a, DPM++ SDE),
 *     default false.
 * @param sigmaMin `sigma_min` (Euler, Karras sigmas), default null = smallest schedule sigma.
 * @param sigmaMax `sigma_max` (Euler, Karras sigmas), default null = largest schedule sigma.
 * @param timestepType `timestep_type` (Euler): discrete (default) or continuous.
 * @param finalSigmasType `final_sigmas_type` (Euler, DPM): zero (default) or sigma_min.
 * @param solverOrder `solver_order` (DPM): 1, 2 (default) or 3.
 * @param algorithmType `algorithm_type` (DPM): dpmsolver++ (default), sde-dpmsolver++, dpmsolver;
 *     deis is read as dpmsolver++ like diffusers.
 * @param solverType `solver_type` (DPM): midpoint (default) or heun; logrho/bh1/bh2 read as
 *     midpoint. UniPC: bh2 (default) or bh1; midpoint/heun/logrho read as bh2, as diffusers does.
 * @param lowerOrderFinal `lower_order_final` (DPM), default true.
 * @param eulerAtFinal `euler_at_final` (DPM), default false.
 * @param useLuLambdas `use_lu_lambdas` (DPM), default false.
 * @param lambdaMinClipped `lambda_min_clipped` (DPM), default -infinity (no clipping; diffusers
 *     writes it as {@code -Infinity}, which Python's json reads); NaN is an error.
 * @param varianceType `variance_type` (DDPM): fixed_small (default) or fixed_large; null for the
 *     other classes (which take only null).
 * @param predictX0 `predict_x0` (UniPC), default true: the solver works on x0 (else on epsilon).
 * @param disableCorrector `disable_corrector` (UniPC), default empty: step indices whose following
 *     step skips the UniC corrector.
 * @param originalInferenceSteps `original_inference_steps` (LCM, TCD), default 50: the
 *     distillation's step grid, which inference steps are taken from (at most this many).
 * @param timestepScaling `timestep_scaling` (LCM), default 10.0: scales t in the consistency
 *     boundary condition.
 * @param sigmaSchedule `sigma_schedule` (ours; the samplers that take use_karras_sigmas): an A1111
 *     schedule type's API name ({@link KDiffusionSchedules#NAMES}), in place of Karras sigmas and
 *     replacing use_karras_sigmas. Default null: the class's own spacing.
 * @param noiseSamplerSeed `noise_sampler_seed` (DPM++ SDE), default null: the Brownian trees' seed
 *     when the noise carries no per-picture seeds (the pipeline always gives them: each picture's
 *     seed); null draws one from torch's global generator, as diffusers does.
 * @param source the file this was read from, for errors and {@link #withClass}.
 */
public record SchedulerConfig(
    String className,
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    String betaSchedule,
    double[] trainedBetas,
    String predictionType,
    String timestepSpacing,
    int stepsOffset,
    boolean rescaleBetasZeroSnr,
    boolean setAlphaToOne,
    boolean skipPrkSteps,
    boolean clipSample,
    double clipSampleRange,
    String interpolationType,
    boolean useKarrasSigmas,
    Double sigmaMin,
    Double sigmaMax,
    String timestepType,
    String finalSigmasType,
    int solverOrder,
    String algorithmType,
    String solverType,
    boolean lowerOrderFinal,
    boolean eulerAtFinal,
    boolean useLuLambdas,
    double lambdaMinClipped,
    String varianceType,
    boolean predictX0,
    List<Integer> disableCorrector,
    int originalInferenceSteps,
    double timestepScaling,
    String sigmaSchedule,
    Long noiseSamplerSeed,
    JsonConfig source) {

  public static final String PNDM = "PNDMScheduler";
  public static final String DDIM = "DDIMScheduler";
  public static final String EULER = "EulerDiscreteScheduler";
  public static final String EULER_ANCESTRAL = "EulerAncestralDiscreteScheduler";
  public static final String LMS = "LMSDiscreteScheduler";
  public static final String DPM_MULTISTEP = "DPMSolverMultistepScheduler";
  public static final String HEUN = "HeunDiscreteScheduler";
  public static final String KDPM2 = "KDPM2DiscreteScheduler";
  public static final String KDPM2_ANCESTRAL = "KDPM2AncestralDiscreteScheduler";
  public static final String DDPM = "DDPMScheduler";
  public static final String UNIPC = "UniPCMultistepScheduler";
  public static final String DEIS = "DEISMultistepScheduler";
  public static final String LCM = "LCMScheduler";
  // k-diffusion samplers without a diffusers class (A1111's names: "DPM++ 2S a", "DPM++ 3M SDE")
  public static final String DPMPP_2S_ANCESTRAL = "DPMPP2SAncestralScheduler";
  public static final String DPMPP_3M_SDE = "DPMPP3MSDEScheduler";
  public static final String DPM_SDE = "DPMSolverSDEScheduler";
  public static final String TCD = "TCDScheduler";
  public static final List<String> CLASS_NAMES =
      List.of(
          PNDM,
          DDIM,
          EULER,
          EULER_ANCESTRAL,
          LMS,
          DPM_MULTISTEP,
          HEUN,
          KDPM2,
          KDPM2_ANCESTRAL,
          DDPM,
          UNIPC,
          DEIS,
          LCM,
          DPMPP_2S_ANCESTRAL,
          DPMPP_3M_SDE,
          DPM_SDE,
          TCD);

  /**
   * Constructor defaults that differ from the common ones (beta 0.0001 -> 0.02, clip_sample true):
   * the k-diffusion ports of diffusers default to SD's betas and no clipping.
   */
  private static final Map<String, Map<String, Object>> CLASS_DEFAULTS =
      Map.of(
          HEUN,
          Map.of("beta_start", 0.00085, "beta_end", 0.012, "clip_sample", false),
          KDPM2,
          Map.of("beta_start", 0.00085, "beta_end", 0.012),
          KDPM2_ANCESTRAL,
          Map.of("beta_start", 0.00085, "beta_end", 0.012),
          DPM_SDE,
          Map.of("beta_start", 0.00085, "beta_end", 0.012),
          TCD,
          Map.of(
              "beta_start",
              0.00085,
              "beta_end",
              0.012,
              "beta_schedule",
              "scaled_linear",
              "clip_sample",
              false),
          LCM,
          Map.of(
              "beta_start",
              0.00085,
              "beta_end",
              0.012,
              "beta_schedule",
              "scaled_linear",
              "clip_sample",
              false));

  private static final List<String> COMMON_KEYS =
      List.of(
          "num_train_timesteps",
          "beta_start",
          "beta_end",
          "beta_schedule",
          "trained_betas",
          "prediction_type",
          "timestep_spacing",
          "steps_offset");

  /** The config keys of the consistency-model schedulers (LCM, TCD: the same diffusers keys). */
  private static final Set<String> CONSISTENCY_KEYS =
      Set.of(
          "original_inference_steps",
          "clip_sample",
          "clip_sample_range",
          "set_alpha_to_one",
          "thresholding",
          "dynamic_thresholding_ratio",
          "sample_max_value",
          "timestep_scaling",
          "rescale_betas_zero_snr");

  /** The keys each class's constructor takes in diffusers 0.30.3 (besides {@link #COMMON_KEYS}). */
  private static final Map<String, Set<String>> CLASS_KEYS =
      Map.ofEntries(
          Map.entry(TCD, CONSISTENCY_KEYS),
          Map.entry(LCM, CONSISTENCY_KEYS),
          Map.entry(
              DEIS,
              Set.of(
                  "solver_order",
                  "thresholding",
                  "dynamic_thresholding_ratio",
                  "sample_max_value",
                  "algorithm_type",
                  "solver_type",
                  "lower_order_final",
                  "use_karras_sigmas")),
          Map.entry(
              UNIPC,
              Set.of(
                  "solver_order",
                  "thresholding",
                  "dynamic_thresholding_ratio",
                  "sample_max_value",
                  "predict_x0",
                  "solver_type",
                  "lower_order_final",
                  "disable_corrector",
                  "solver_p",
                  "use_karras_sigmas",
                  "final_sigmas_type",
                  "rescale_betas_zero_snr")),
          Map.entry(
              DDPM,
              Set.of(
                  "variance_type",
                  "clip_sample",
                  "thresholding",
                  "dynamic_thresholding_ratio",
                  "clip_sample_range",
                  "sample_max_value",
                  "rescale_betas_zero_snr")),
          Map.entry(PNDM, Set.of("skip_prk_steps", "set_alpha_to_one")),
          Map.entry(
              DDIM,
              Set.of(
                  "clip_sample",
                  "set_alpha_to_one",
                  "thresholding",
                  "dynamic_thresholding_ratio",
                  "clip_sample_range",
                  "sample_max_value",
                  "rescale_betas_zero_snr")),
          Map.entry(
              EULER,
              Set.of(
                  "interpolation_type",
                  "use_karras_sigmas",
                  "sigma_min",
                  "sigma_max",
                  "timestep_type",
                  "rescale_betas_zero_snr",
                  "final_sigmas_type")),
          Map.entry(EULER_ANCESTRAL, Set.of("rescale_betas_zero_snr")),
          Map.entry(LMS, Set.of("use_karras_sigmas")),
          Map.entry(HEUN, Set.of("use_karras_sigmas", "clip_sample", "clip_sample_range")),
          Map.entry(KDPM2, Set.of("use_karras_sigmas")),
          Map.entry(KDPM2_ANCESTRAL, Set.of("use_karras_sigmas")),
          Map.entry(DPM_SDE, Set.of("use_karras_sigmas", "noise_sampler_seed")),
          Map.entry(
              DPM_MULTISTEP,
              Set.of(
                  "solver_order",
                  "thresholding",
                  "dynamic_thresholding_ratio",
                  "sample_max_value",
                  "algorithm_type",
                  "solver_type",
                  "lower_order_final",
                  "euler_at_final",
                  "use_karras_sigmas",
                  "use_lu_lambdas",
                  "final_sigmas_type",
                  "lambda_min_clipped",
                  "variance_type",
                  "rescale_betas_zero_snr")));

  /** The classes that take {@code sigma_schedule}: the sigma samplers. */
  private static final Set<String> SIGMA_SCHEDULE_CLASSES =
      Set.of(
          EULER,
          LMS,
          HEUN,
          DPM_SDE,
          KDPM2,
          KDPM2_ANCESTRAL,
          DPM_MULTISTEP,
          UNIPC,
          DEIS,
          DPMPP_2S_ANCESTRAL,
          DPMPP_3M_SDE);

  /** The k-diffusion samplers: spaced by sigma, so {@code timestep_spacing} does not apply. */
  static final Set<String> KDIFFUSION_CLASSES = Set.of(DPMPP_2S_ANCESTRAL, DPMPP_3M_SDE);

  private static final Map<String, List<String>> PREDICTION_TYPES =
      Map.ofEntries(
          Map.entry(UNIPC, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(DEIS, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(LCM, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(TCD, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(DDPM, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(HEUN, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(KDPM2, List.of("epsilon", "v_prediction")),
          Map.entry(KDPM2_ANCESTRAL, List.of("epsilon", "v_prediction")),
          Map.entry(DPM_SDE, List.of("epsilon", "v_prediction")),
          Map.entry(PNDM, List.of("epsilon", "v_prediction")),
          Map.entry(DDIM, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(EULER, List.of("epsilon", "v_prediction", "sample", "original_sample")),
          Map.entry(EULER_ANCESTRAL, List.of("epsilon", "v_prediction")),
          Map.entry(LMS, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(DPM_MULTISTEP, List.of("epsilon", "v_prediction", "sample")),
          Map.entry(DPMPP_2S_ANCESTRAL, List.of("epsilon", "v_prediction")),
          Map.entry(DPMPP_3M_SDE, List.of("epsilon", "v_prediction")));

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The {@code prediction_type}s diffusers 0.30.3's {@code className} accepts (epsilon,
   * v_prediction, sample, ...).
   */
  public static List<String> predictionTypes(String className) {
    return PREDICTION_TYPES.getOrDefault(className, List.of("epsilon", "v_prediction", "sample"));
  }

  /** Whether the class named {@code className} takes the config key {@code key}. */
  public static boolean takes(String className, String key) {
    if (key.equals("sigma_schedule")) return SIGMA_SCHEDULE_CLASSES.contains(className);
    if (key.equals("use_karras_sigmas") && KDIFFUSION_CLASSES.contains(className)) return true;
    return COMMON_KEYS.contains(key) || CLASS_KEYS.getOrDefault(className, Set.of()).contains(key);
  }

  /** Reads {@code scheduler_config.json}; its {@code _class_name} chooses the scheduler. */
  public static SchedulerConfig read(Path file) {
    return parse(JsonConfig.read(file));
  }

  /** Resolves {@code json} for the class named by its {@code _class_name}. */
  public static SchedulerConfig parse(JsonConfig json) {
    json = json.withoutDiffusersDefaults();
    if (!json.has("_class_name")) {
      throw json.error("_class_name", "missing; expected one of " + String.join(", ", CLASS_NAMES));
    }
    return parse(json, json.string("_class_name", null));
  }

  /** A config of {@code className} built from {@code values} (config keys as in the JSON file). */
  public static SchedulerConfig of(String className, Map<String, ?> values) {
    ObjectNode root = JSON.createObjectNode();
    root.put("_class_name", className);
    values.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
    return parse(JsonConfig.of(Path.of("<scheduler config>"), root));
  }

  /**
   * This config converted to {@code newClassName} like diffusers' {@code
   * NewClass.from_config(scheduler.config, **overrides)}: file values carry over where the new
   * class takes them, others get the new class's defaults, then {@code overrides} (config keys)
   * win.
   */
  public SchedulerConfig withClass(String newClassName, Map<String, ?> overrides) {
    // The tree itself, not its text: Jackson would write -Infinity back as a quoted string.
    ObjectNode root = source.copy();
    root.put("_class_name", newClassName);
    overrides.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
    JsonConfig merged = JsonConfig.of(source.file(), root);
    return parse(merged, newClassName);
  }

  /**
   * Reads the keys of {@code json} that {@code className} takes. Diffusers keeps every key of the
   * file in a scheduler's config, also those its class ignores (PNDM keeps {@code clip_sample}), so
   * a later from_config into another class sees them all.
   */
  private static SchedulerConfig parse(JsonConfig json, String className) {
    // Another diffusers class (DDPMScheduler, HeunDiscreteScheduler...) is read for its common keys
    // only: its noise schedule can still serve a sampler chosen by name, or training.
    Fields f = new Fields(json, className);
    boolean pndmOrDdim = className.equals(PNDM) || className.equals(DDIM) || className.equals(DDPM);
    int numTrain = f.integer("num_train_timesteps", 1000);
    if (numTrain < 1)
      throw json.error("num_train_timesteps", "must be at least 1, got " + numTrain);
    Map<String, Object> defaults = CLASS_DEFAULTS.getOrDefault(className, Map.of());
    double betaStart = f.real("beta_start", (double) defaults.getOrDefault("beta_start", 0.0001));
    double betaEnd = f.real("beta_end", (double) defaults.getOrDefault("beta_end", 0.02));
    String betaSchedule =
        f.choice(
            "beta_schedule",
            (String) defaults.getOrDefault("beta_schedule", "linear"),
            List.of("linear", "scaled_linear", "squaredcos_cap_v2"));
    double[] trainedBetas = f.reals("trained_betas");
    if (trainedBetas != null && trainedBetas.length != numTrain) {
      throw json.error(
          "trained_betas",
          "has " + trainedBetas.length + " values, expected num_train_timesteps = " + numTrain);
    }
    String prediction = f.choice("prediction_type", "epsilon", predictionTypes(className));
    String spacing =
        f.choice(
            "timestep_spacing",
            pndmOrDdim ? "leading" : "linspace",
            List.of("leading", "trailing", "linspace"));
    int stepsOffset = f.integer("steps_offset", 0);
    if (stepsOffset < 0) throw json.error("steps_offset", "must be at least 0, got " + stepsOffset);
    boolean zeroSnr = f.bool("rescale_betas_zero_snr", false);
    boolean alphaToOne =
        f.bool(
            "set_alpha_to_one",
            className.equals(DDIM) || className.equals(LCM) || className.equals(TCD));
    boolean skipPrk = f.bool("skip_prk_steps", false);
    boolean clipSample =
        f.bool("clip_sample", (boolean) defaults.getOrDefault("clip_sample", true));
    double clipRange = f.real("clip_sample_range", 1.0);
    if (f.bool("thresholding", false)) {
      throw json.error("thresholding", "dynamic thresholding is not implemented; accepted: false");
    }
    String interpolation =
        f.choice("interpolation_type", "linear", List.of("linear", "log_linear"));
    boolean karras = f.bool("use_karras_sigmas", false);
    String sigmaSchedule =
        f.has("sigma_schedule")
            ? f.choice("sigma_schedule", null, KDiffusionSchedules.NAMES)
            : null;
    if (sigmaSchedule != null) karras = false; // an explicit schedule type replaces Karras
    Double sigmaMin = f.optionalReal("sigma_min");
    Double sigmaMax = f.optionalReal("sigma_max");
    String timestepType = f.choice("timestep_type", "discrete", List.of("discrete", "continuous"));
    String finalSigmas = f.choice("final_sigmas_type", "zero", List.of("zero", "sigma_min"));
    int solverOrder = f.integer("solver_order", 2);
    if (solverOrder < 1 || solverOrder > 3)
      throw json.error("solver_order", "must be 1, 2 or 3, got " + solverOrder);
    String algorithm =
        f.choice(
            "algorithm_type",
            "dpmsolver++",
            List.of("dpmsolver++", "sde-dpmsolver++", "dpmsolver", "deis"));
    boolean unipc = className.equals(UNIPC);
    String solverType =
        f.choice(
            "solver_type",
            unipc ? "bh2" : "midpoint",
            List.of("midpoint", "heun", "logrho", "bh1", "bh2"));
    if (unipc && !solverType.startsWith("bh")) solverType = "bh2";
    boolean predictX0 = f.bool("predict_x0", true);
    List<Integer> disableCorrector =
        f.has("disable_corrector") ? json.integers("disable_corrector", List.of()) : List.of();
    if (unipc && finalSigmas.equals("zero") && (solverType.equals("bh1") || !predictX0)) {
      throw json.error(
          "final_sigmas_type",
          "'zero' with "
              + (predictX0 ? "solver_type bh1" : "predict_x0 false")
              + " ends in NaN in diffusers 0.30.3 (its last step multiplies an infinite"
              + " coefficient by 0); use final_sigmas_type sigma_min");
    }
    int originalInferenceSteps = f.integer("original_inference_steps", 50);
    if ((className.equals(LCM) || className.equals(TCD))
        && (originalInferenceSteps < 1 || originalInferenceSteps > numTrain)) {
      throw json.error(
          "original_inference_steps",
          "must lie in [1, num_train_timesteps = " + numTrain + "], got " + originalInferenceSteps);
    }
    double timestepScaling = f.real("timestep_scaling", 10.0);
    Long noiseSamplerSeed = f.optionalSeed("noise_sampler_seed");
    if (f.has("solver_p")) {
      throw json.error(
          "solver_p", "a separate predictor scheduler is not supported; accepted: null");
    }
    boolean lowerOrderFinal = f.bool("lower_order_final", true);
    boolean eulerAtFinal = f.bool("euler_at_final", false);
    boolean luLambdas = f.bool("use_lu_lambdas", false);
    // -Infinity (the default, and what diffusers writes for it) clips nothing.
    double lambdaMinClipped = f.realOrInfinity("lambda_min_clipped", Double.NEGATIVE_INFINITY);
    String varianceType = null;
    if (className.equals(DDPM)) {
      varianceType =
          f.choice("variance_type", "fixed_small", List.of("fixed_small", "fixed_large"));
    } else if (f.has("variance_type")) {
      throw json.error("variance_type", "learned variances are not supported; accepted: null");
    }
    if (className.equals(DEIS)) {
      // diffusers reads the DPM-Solver names as DEIS's only algorithm and solver.
      if (!f.has("algorithm_type")) algorithm = "deis";
      if (!algorithm.equals("deis") && !algorithm.startsWith("dpmsolver")) {
        throw json.error(
            "algorithm_type", "'" + algorithm + "' is not implemented for DEIS; accepted: deis");
      }
      algorithm = "deis";
      solverType = "logrho";
    }
    if (className.equals(DPM_MULTISTEP)) {
      // Checked before deis is renamed, as diffusers does.
      if (!algorithm.equals("dpmsolver++")
          && !algorithm.equals("sde-dpmsolver++")
          && finalSigmas.equals("zero")) {
        throw json.error(
            "final_sigmas_type",
            "'zero' is not supported with algorithm_type '" + algorithm + "'; use sigma_min");
      }
      if (algorithm.equals("deis")) algorithm = "dpmsolver++";
      if (!solverType.equals("heun")) solverType = "midpoint";
      if (algorithm.equals("sde-dpmsolver++") && solverOrder == 3) {
        throw json.error(
            "solver_order",
            "3 is not supported with algorithm_type sde-dpmsolver++; accepted: 1, 2");
      }
    }
    return new SchedulerConfig(
        className,
        numTrain,
        betaStart,
        betaEnd,
        betaSchedule,
        trainedBetas,
        prediction,
        spacing,
        stepsOffset,
        zeroSnr,
        alphaToOne,
        skipPrk,
        clipSample,
        clipRange,
        interpolation,
        karras,
        sigmaMin,
        sigmaMax,
        timestepType,
        finalSigmas,
        solverOrder,
        algorithm,
        solverType,
        lowerOrderFinal,
        eulerAtFinal,
        luLambdas,
        lambdaMinClipped,
        varianceType,
        predictX0,
        disableCorrector,
        originalInferenceSteps,
        timestepScaling,
        sigmaSchedule,
        noiseSamplerSeed,
        json);
  }

  /** Whether the sigmas come from Karras or {@code sigma_schedule} (diffusers' Karras path). */
  public boolean scheduledSigmas() {
    return useKarrasSigmas || sigmaSchedule != null;
  }

  /** Whether {@link Samplers#create} can build this config's own class. */
  public boolean supported() {
    return CLASS_NAMES.contains(className);
  }

  /** Shown in logs and errors: the class and the fields that shape the schedule. */
  @Override
  public String toString() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("class", className);
    m.put("beta", betaSchedule + " " + betaStart + "->" + betaEnd);
    m.put("prediction", predictionType);
    m.put("spacing", timestepSpacing);
    m.put("steps_offset", stepsOffset);
    if (useKarrasSigmas) m.put("karras", true);
    if (sigmaSchedule != null) m.put("sigma_schedule", sigmaSchedule);
    return "SchedulerConfig" + m;
  }

  /** Typed reads of the keys the class takes; absent or null keys give the class default. */
  private record Fields(JsonConfig json, String className) {
    boolean has(String key) {
      return takes(className, key) && json.has(key);
    }

    int integer(String key, int fallback) {
      return has(key) ? json.integer(key, fallback) : fallback;
    }

    double real(String key, double fallback) {
      return has(key) ? json.real(key, fallback) : fallback;
    }

    double realOrInfinity(String key, double fallback) {
      return has(key) ? json.realOrInfinity(key, fallback) : fallback;
    }

    Double optionalReal(String key) {
      return has(key) ? json.real(key, 0) : null;
    }

    /** A non-negative whole number that fits a long, or null when absent or null. */
    Long optionalSeed(String key) {
      if (!has(key) || json.node(key).isNull()) return null;
      var n = json.node(key);
      if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0)
        throw json.error(
            key, "must be a non-negative integer seed (one for the whole batch) or null, got " + n);
      return n.asLong();
    }

    boolean bool(String key, boolean fallback) {
      return has(key) ? json.bool(key, fallback) : fallback;
    }

    double[] reals(String key) {
      if (!has(key)) return null;
      return json.reals(key, List.of()).stream().mapToDouble(Double::doubleValue).toArray();
    }

    String choice(String key, String fallback, List<String> accepted) {
      if (!has(key)) return fallback;
      String v = json.string(key, fallback);
      if (!accepted.contains(v)) {
        throw json.error(
            key,
            "unsupported value '"
                + v
                + "' for "
                + className
                + "; accepted: "
                + String.join(", ", accepted));
      }
      return v;
    }
  }

  static CheckpointException error(SchedulerConfig c, String key, String problem) {
    return c.source.error(key, problem);
  }
}
