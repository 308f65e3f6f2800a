package org.altdiffusion.schedulers;

import java.util.HashMap;
import java.util.Map;

/**
 * A sampler as resolved from what a user asked ({@link Samplers#resolve}): a row of the table, or
 * the model's own scheduler, with a schedule type.
 *
 * @param name the table's name ("Euler a"), or null for the model's own scheduler
 * @param className the diffusers class, or null for the model's own
 * @param overrides config keys the row sets
 * @param schedule the schedule type the user asked for ({@link ScheduleType#AUTOMATIC}: the
 *     sampler's own)
 */
public record SamplerChoice(
    String name, String className, Map<String, Object> overrides, ScheduleType schedule) {

  /** Whether the user asked for the Karras schedule type. */
  public boolean karras() {
    return schedule.equals(ScheduleType.KARRAS);
  }

  /** The model's schedule converted to this sampler, as diffusers' {@code from_config}. */
  public SchedulerConfig config(SchedulerConfig base) {
    Map<String, Object> keys = new HashMap<>(overrides);
    // a schedule type chosen explicitly replaces the row's own sigmas ("DPM++ 3M SDE" +
    // "Karras": Karras, not the row's exponential)
    if (schedule.setsSigmas()) keys.keySet().removeAll(ScheduleType.SIGMA_KEYS);
    String target = className == null ? base.className() : className;
    if (!schedule.appliesTo(target)) {
      throw new IllegalArgumentException(
          "the "
              + schedule.label()
              + " schedule type is not available for "
              + (name == null ? target : name)
              + " ("
              + target
              + " takes no "
              + String.join(", ", schedule.overrides().keySet())
              + "); use schedule type Automatic or another sampler");
    }
    if (className != null) SamplerLimits.checkPrediction(this, target, base);
    keys.putAll(schedule.overrides());
    if (className == null && keys.isEmpty()) return base;
    return base.withClass(target, keys);
  }

  /** A fresh scheduler of this sampler on {@code base}'s schedule. */
  public Scheduler create(SchedulerConfig base) {
    return Samplers.create(config(base));
  }

  /** What infotexts record as "Sampler" for a generation on {@code base}. */
  public String displayName(SchedulerConfig base) {
    if (name == null) return Samplers.nameOf(config(base));
    if (karras() && !name.endsWith(" " + Samplers.KARRAS)) {
      String withKarras = name + " " + Samplers.KARRAS;
      if (Samplers.names().contains(withKarras)) return withKarras;
    }
    return name;
  }

  /**
   * A1111's "Schedule type" field, or null when the sampler's own was used. A row whose own
   * schedule is a sigma schedule ("DPM++ 3M SDE": Exponential) names it, as A1111 1.10 does.
   */
  public String scheduleType() {
    if (!schedule.equals(ScheduleType.AUTOMATIC)) return schedule.label();
    Object own = overrides.get("sigma_schedule");
    // "DPM++ 2S a" runs on Karras sigmas by default: A1111 1.10 writes that type (not so for the
    // "... Karras" names, which say it themselves)
    if (own == null
        && Boolean.TRUE.equals(overrides.get("use_karras_sigmas"))
        && SchedulerConfig.KDIFFUSION_CLASSES.contains(className)
        && !name.endsWith(" " + Samplers.KARRAS)) return ScheduleType.KARRAS.label();
    if (own == null) return null;
    for (ScheduleType t : ScheduleType.ALL) if (t.key().equals(own)) return t.label();
    return null;
  }
}
