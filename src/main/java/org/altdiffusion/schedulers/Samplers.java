package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Samplers by the names users know from AUTOMATIC1111 and the diffusers docs. A sampler keeps the
 * model's noise schedule (betas, offsets) and changes the solver, like diffusers' {@code
 * NewScheduler.from_config(pipe.scheduler.config, **overrides)}.
 */
public final class Samplers {
  private Samplers() {}

  private record Entry(String className, Map<String, Object> overrides) {}

  private static final Map<String, Entry> BY_NAME = new LinkedHashMap<>();

  static {
    BY_NAME.put("PNDM", new Entry(SchedulerConfig.PNDM, Map.of()));
    BY_NAME.put("DDIM", new Entry(SchedulerConfig.DDIM, Map.of()));
    BY_NAME.put("Euler", new Entry(SchedulerConfig.EULER, Map.of()));
    BY_NAME.put("Euler a", new Entry(SchedulerConfig.EULER_ANCESTRAL, Map.of()));
    BY_NAME.put("LMS", new Entry(SchedulerConfig.LMS, Map.of()));
    BY_NAME.put("LMS Karras", new Entry(SchedulerConfig.LMS, Map.of("use_karras_sigmas", true)));
    BY_NAME.put("DPM++ 2M", new Entry(SchedulerConfig.DPM_MULTISTEP, Map.of()));
    BY_NAME.put(
        "DPM++ 2M Karras",
        new Entry(SchedulerConfig.DPM_MULTISTEP, Map.of("use_karras_sigmas", true)));
    BY_NAME.put(
        "DPM++ 2M SDE",
        new Entry(SchedulerConfig.DPM_MULTISTEP, Map.of("algorithm_type", "sde-dpmsolver++")));
    BY_NAME.put(
        "DPM++ 2M SDE Karras",
        new Entry(
            SchedulerConfig.DPM_MULTISTEP,
            Map.of("algorithm_type", "sde-dpmsolver++", "use_karras_sigmas", true)));
  }

  /** The sampler names, as shown to users. Diffusers class names are accepted too. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /** The scheduler of {@code config}'s own class (its {@code _class_name}). */
  public static Scheduler create(SchedulerConfig config) {
    return switch (config.className()) {
      case SchedulerConfig.PNDM -> new PNDMScheduler(config);
      case SchedulerConfig.DDIM -> new DDIMScheduler(config);
      case SchedulerConfig.EULER -> new EulerDiscreteScheduler(config);
      case SchedulerConfig.EULER_ANCESTRAL -> new EulerAncestralDiscreteScheduler(config);
      case SchedulerConfig.LMS -> new LMSDiscreteScheduler(config);
      case SchedulerConfig.DPM_MULTISTEP -> new DPMSolverMultistepScheduler(config);
      default ->
          throw config
              .source()
              .error(
                  "_class_name",
                  "unsupported scheduler '"
                      + config.className()
                      + "'; supported: "
                      + String.join(", ", SchedulerConfig.CLASS_NAMES)
                      + " (or choose a sampler by name: "
                      + String.join(", ", names())
                      + ")");
    };
  }

  /**
   * The sampler {@code name} (case, spaces, '_' and '-' ignored: "euler_a", "DPM++ 2M karras") or a
   * diffusers class name ("EulerDiscreteScheduler"), on the noise schedule of {@code base}.
   */
  public static Scheduler byName(String name, SchedulerConfig base) {
    return create(configFor(name, base));
  }

  /**
   * The config {@link #byName} builds: {@code base} converted to the sampler's class and options.
   */
  public static SchedulerConfig configFor(String name, SchedulerConfig base) {
    if (name == null)
      throw new IllegalArgumentException("no sampler name given; valid: " + validList());
    String key = normalize(name);
    for (Map.Entry<String, Entry> e : BY_NAME.entrySet()) {
      if (normalize(e.getKey()).equals(key))
        return base.withClass(e.getValue().className(), e.getValue().overrides());
    }
    for (String className : SchedulerConfig.CLASS_NAMES) {
      if (normalize(className).equals(key)) return base.withClass(className, Map.of());
    }
    throw new IllegalArgumentException("unknown sampler '" + name + "'; valid: " + validList());
  }

  /**
   * Checks that {@code name} names a sampler, without a model at hand; returns the name users know.
   */
  public static String requireKnown(String name) {
    if (name == null)
      throw new IllegalArgumentException("no sampler name given; valid: " + validList());
    String key = normalize(name);
    for (String n : BY_NAME.keySet()) if (normalize(n).equals(key)) return n;
    for (String className : SchedulerConfig.CLASS_NAMES)
      if (normalize(className).equals(key)) return className;
    throw new IllegalArgumentException("unknown sampler '" + name + "'; valid: " + validList());
  }

  /**
   * The name users know for {@code name} ("euler_a" -> "Euler a", "EulerDiscreteScheduler" ->
   * "Euler"), or for the model's own scheduler when {@code name} is null; what infotexts record.
   */
  public static String displayName(String name, SchedulerConfig base) {
    String key = normalize(name == null ? base.className() : name);
    for (String n : BY_NAME.keySet()) if (normalize(n).equals(key)) return n;
    for (Map.Entry<String, Entry> e : BY_NAME.entrySet()) {
      if (normalize(e.getValue().className()).equals(key) && e.getValue().overrides().isEmpty()) {
        boolean karras = name == null && base.useKarrasSigmas();
        String karrasName = e.getKey() + " Karras";
        return karras && BY_NAME.containsKey(karrasName) ? karrasName : e.getKey();
      }
    }
    return name == null ? base.className() : name;
  }

  private static String validList() {
    List<String> all = new ArrayList<>();
    for (String n : BY_NAME.keySet()) all.add('"' + n + '"');
    all.addAll(SchedulerConfig.CLASS_NAMES);
    return String.join(", ", all);
  }

  private static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]", "");
  }
}
