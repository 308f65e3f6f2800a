package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A1111's "Schedule type" (its {@code scheduler} field) as diffusers 0.30.3 config options on the
 * chosen sampler. Exponential and Beta are not offered: diffusers 0.30.3 has neither {@code
 * use_exponential_sigmas} nor {@code use_beta_sigmas} (both came with 0.31), so there is no
 * reference to be exact against.
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
          new ScheduleType("Linspace", "linspace", Map.of("timestep_spacing", "linspace")));

  /** Not offered, with the reason, so that asking for them says why. */
  private static final Map<String, String> MISSING =
      Map.of(
          "exponential", "diffusers 0.30.3 has no use_exponential_sigmas",
          "beta", "diffusers 0.30.3 has no use_beta_sigmas",
          "alignyoursteps", "its tables are not in diffusers 0.30.3");

  /**
   * The type named {@code name} (label or key; case, spaces, '_' and '-' ignored); null: Automatic.
   */
  public static ScheduleType parse(String name) {
    if (name == null || name.isBlank()) return AUTOMATIC;
    String key = normalize(name);
    for (ScheduleType t : ALL)
      if (normalize(t.label).equals(key) || normalize(t.key).equals(key)) return t;
    String why = MISSING.get(key);
    throw new IllegalArgumentException(
        "unknown schedule type '"
            + name
            + "'"
            + (why == null ? "" : " (not available: " + why + ")")
            + "; accepted: "
            + String.join(", ", labels()));
  }

  public static List<String> labels() {
    List<String> out = new ArrayList<>();
    for (ScheduleType t : ALL) out.add(t.label);
    return out;
  }

  /** Whether a sampler of {@code className} takes every key this type sets. */
  public boolean appliesTo(String className) {
    for (String k : overrides.keySet()) if (!SchedulerConfig.takes(className, k)) return false;
    return true;
  }

  private static String normalize(String s) {
    return s.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]", "");
  }
}
