package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A1111's "Schedule type" (its {@code scheduler} field) as config options on the chosen sampler:
 * Karras and the timestep spacings as diffusers 0.30.3's, the others (Uniform, Exponential,
 * Polyexponential, Beta, Align Your Steps, KL Optimal) as our {@code sigma_schedule} key, computed
 * exactly as k-diffusion / A1111 1.10 do ({@link KDiffusionSchedules}). A type chosen explicitly
 * replaces the sampler's own schedule (its row's {@code use_karras_sigmas} / {@code
 * sigma_schedule}).
 *
 * @param label the name A1111 shows ("Karras")
 * @param key A1111's API name ("karras")
 * @param overrides the config keys it sets on the sampler
 */
public record ScheduleType(String label, String key, Map<String, Object> overrides) {
  public static final ScheduleType AUTOMATIC = new ScheduleType("Automatic", "automatic", Map.of());

  public static final ScheduleType KARRAS =
      new ScheduleType("Karras", "karras", Map.of("use_karras_sigmas", true));

  /**
   * All types, in the order users see them. SGM Uniform is diffusers' documented counterpart of
   * A1111's sgm_uniform: trailing timestep spacing.
   */
  public static final List<ScheduleType> ALL =
      List.of(
          AUTOMATIC,
          KARRAS,
          new ScheduleType("SGM Uniform", "sgm_uniform", Map.of("timestep_spacing", "trailing")),
          new ScheduleType("Trailing", "trailing", Map.of("timestep_spacing", "trailing")),
          new ScheduleType("Leading", "leading", Map.of("timestep_spacing", "leading")),
          new ScheduleType("Linspace", "linspace", Map.of("timestep_spacing", "linspace")),
          sigmaSchedule("Uniform", "uniform"),
          sigmaSchedule("Exponential", "exponential"),
          sigmaSchedule("Polyexponential", "polyexponential"),
          sigmaSchedule("Beta", "beta"),
          sigmaSchedule("Align Your Steps", "align_your_steps"),
          sigmaSchedule("KL Optimal", "kl_optimal"));

  /** The config keys by which a type sets the sigmas (and so replaces a row's own schedule). */
  static final java.util.Set<String> SIGMA_KEYS =
      java.util.Set.of("use_karras_sigmas", "sigma_schedule");

  private static ScheduleType sigmaSchedule(String label, String key) {
    return new ScheduleType(label, key, Map.of("sigma_schedule", key));
  }

  /** A1111's {@code default_rho}: 7 for Karras, 1 for Polyexponential, -1 (none) otherwise. */
  public double defaultRho() {
    return switch (key) {
      case "karras" -> 7.0;
      case "polyexponential" -> 1.0;
      default -> -1;
    };
  }

  /** Whether choosing this type replaces the sampler's own sigmas. */
  boolean setsSigmas() {
    for (String k : overrides.keySet()) if (SIGMA_KEYS.contains(k)) return true;
    return false;
  }

  /**
   * The type named {@code name} (label or key; case, spaces, '_' and '-' ignored); null: Automatic.
   */
  public static ScheduleType parse(String name) {
    if (name == null || name.isBlank()) return AUTOMATIC;
    String key = normalize(name);
    for (ScheduleType t : ALL)
      if (normalize(t.label).equals(key) || normalize(t.key).equals(key)) return t;
    throw new IllegalArgumentException(
        "unknown schedule type '" + name + "'; accepted: " + String.join(", ", labels()));
  }

  public static List<String> labels() {
    List<String> out = new ArrayList<>();
    for (ScheduleType t : ALL) out.add(t.label);
    return out;
  }

  /** Whether a sampler of {@code className} takes every key this type sets. */
  public boolean appliesTo(String className) {
    // the k-diffusion samplers space by sigma, as A1111: a timestep spacing means nothing to them
    if (overrides.containsKey("timestep_spacing")
        && SchedulerConfig.KDIFFUSION_CLASSES.contains(className)) return false;
    for (String k : overrides.keySet()) if (!SchedulerConfig.takes(className, k)) return false;
    return true;
  }

  private static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]", "");
  }
}
