package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one table of samplers by the names users know from AUTOMATIC1111 and the diffusers docs, with
 * A1111's aliases. A sampler keeps the model's noise schedule (betas, offsets) and changes the
 * solver, like diffusers' {@code NewScheduler.from_config(pipe.scheduler.config, **overrides)}.
 * Names are resolved once, by {@link #resolve}, into a {@link SamplerChoice}.
 */
public final class Samplers {
  private Samplers() {}

  /**
   * One row of the table.
   *
   * @param name the name users see (A1111's)
   * @param className the diffusers scheduler class
   * @param overrides config keys this sampler sets on the model's schedule
   * @param aliases A1111's other names for it (k-diffusion style)
   */
  public record Entry(
      String name, String className, Map<String, Object> overrides, List<String> aliases) {}

  /** A1111's "Schedule type" of the sampler's own schedule; the others are {@link ScheduleType}. */
  public static final String AUTOMATIC = "Automatic";

  public static final String KARRAS = "Karras";

  private static final Map<String, Object> KARRAS_SIGMAS = Map.of("use_karras_sigmas", true);

  private static final List<Entry> TABLE =
      List.of(
          new Entry("PNDM", SchedulerConfig.PNDM, Map.of(), List.of("pndm")),
          new Entry("DDIM", SchedulerConfig.DDIM, Map.of(), List.of("ddim")),
          new Entry("Euler", SchedulerConfig.EULER, Map.of(), List.of("k_euler")),
          new Entry(
              "Euler a",
              SchedulerConfig.EULER_ANCESTRAL,
              Map.of(),
              List.of("k_euler_a", "k_euler_ancestral")),
          new Entry("LMS", SchedulerConfig.LMS, Map.of(), List.of("k_lms")),
          new Entry("LMS Karras", SchedulerConfig.LMS, KARRAS_SIGMAS, List.of("k_lms_ka")),
          new Entry("DPM++ 2M", SchedulerConfig.DPM_MULTISTEP, Map.of(), List.of("k_dpmpp_2m")),
          new Entry(
              "DPM++ 2M Karras",
              SchedulerConfig.DPM_MULTISTEP,
              KARRAS_SIGMAS,
              List.of("k_dpmpp_2m_ka")),
          new Entry(
              "DPM++ 2M SDE",
              SchedulerConfig.DPM_MULTISTEP,
              Map.of("algorithm_type", "sde-dpmsolver++"),
              List.of("k_dpmpp_2m_sde")),
          new Entry(
              "DPM++ 2M SDE Karras",
              SchedulerConfig.DPM_MULTISTEP,
              Map.of("algorithm_type", "sde-dpmsolver++", "use_karras_sigmas", true),
              List.of("k_dpmpp_2m_sde_ka")),
          new Entry("Heun", SchedulerConfig.HEUN, Map.of(), List.of("k_heun")),
          new Entry("DPM2", SchedulerConfig.KDPM2, Map.of(), List.of("k_dpm_2")),
          new Entry("DPM2 Karras", SchedulerConfig.KDPM2, KARRAS_SIGMAS, List.of("k_dpm_2_ka")),
          new Entry("DPM2 a", SchedulerConfig.KDPM2_ANCESTRAL, Map.of(), List.of("k_dpm_2_a")),
          new Entry(
              "DPM2 a Karras",
              SchedulerConfig.KDPM2_ANCESTRAL,
              KARRAS_SIGMAS,
              List.of("k_dpm_2_a_ka")),
          new Entry("DDPM", SchedulerConfig.DDPM, Map.of(), List.of("ddpm")),
          new Entry("UniPC", SchedulerConfig.UNIPC, Map.of(), List.of("unipc")),
          new Entry("DEIS", SchedulerConfig.DEIS, Map.of(), List.of("deis")),
          new Entry("LCM", SchedulerConfig.LCM, Map.of(), List.of("lcm")),
          new Entry("DPM++ SDE", SchedulerConfig.DPM_SDE, Map.of(), List.of("k_dpmpp_sde")),
          new Entry(
              "DPM++ SDE Karras",
              SchedulerConfig.DPM_SDE,
              KARRAS_SIGMAS,
              List.of("k_dpmpp_sde_ka")),
          // k-diffusion's own samplers, with A1111 1.10's default schedule of each
          new Entry(
              "DPM++ 2S a",
              SchedulerConfig.DPMPP_2S_ANCESTRAL,
              KARRAS_SIGMAS,
              List.of("k_dpmpp_2s_a")),
          new Entry(
              "DPM++ 2S a Karras",
              SchedulerConfig.DPMPP_2S_ANCESTRAL,
              KARRAS_SIGMAS,
              List.of("k_dpmpp_2s_a_ka")),
          new Entry(
              "DPM++ 3M SDE",
              SchedulerConfig.DPMPP_3M_SDE,
              Map.of("sigma_schedule", "exponential"),
              List.of("k_dpmpp_3m_sde")),
          new Entry("TCD", SchedulerConfig.TCD, Map.of(), List.of("tcd")));

  /** Every row, in the order users see them. */
  public static List<Entry> entries() {
    return TABLE;
  }

  /** The sampler names, as shown to users. Aliases and diffusers class names are accepted too. */
  public static List<String> names() {
    List<String> names = new ArrayList<>();
    for (Entry e : TABLE) names.add(e.name());
    return List.copyOf(names);
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
      case SchedulerConfig.HEUN -> new HeunDiscreteScheduler(config);
      case SchedulerConfig.KDPM2 -> new KDPM2DiscreteScheduler(config);
      case SchedulerConfig.KDPM2_ANCESTRAL -> new KDPM2AncestralDiscreteScheduler(config);
      case SchedulerConfig.DDPM -> new DDPMScheduler(config);
      case SchedulerConfig.UNIPC -> new UniPCMultistepScheduler(config);
      case SchedulerConfig.DEIS -> new DEISMultistepScheduler(config);
      case SchedulerConfig.LCM -> new LCMScheduler(config);
      case SchedulerConfig.DPM_SDE -> new DPMSolverSDEScheduler(config);
      case SchedulerConfig.DPMPP_2S_ANCESTRAL -> new DPMPP2SAncestralScheduler(config);
      case SchedulerConfig.DPMPP_3M_SDE -> new DPMPP3MSDEScheduler(config);
      case SchedulerConfig.TCD -> new TCDScheduler(config);
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
   * The sampler {@code name} (a name of the table, an alias, or a diffusers class name; case,
   * spaces, '_' and '-' ignored: "euler_a", "DPM++ 2M karras", "EulerDiscreteScheduler"), or the
   * model's own scheduler when null, with A1111's schedule type {@code schedule} (null or
   * "Automatic": the sampler's own; "Karras", "SGM Uniform", ...: {@link ScheduleType#ALL}).
   *
   * @throws IllegalArgumentException naming the accepted names when either is unknown
   */
  public static SamplerChoice resolve(String name, String schedule) {
    ScheduleType type = ScheduleType.parse(schedule);
    if (name == null) return new SamplerChoice(null, null, Map.of(), type);
    Entry e = find(name);
    if (e == null)
      throw new IllegalArgumentException("unknown sampler '" + name + "'; valid: " + validList());
    return new SamplerChoice(e.name(), e.className(), e.overrides(), type);
  }

  /** The sampler {@code name} on the noise schedule of {@code base}. */
  public static Scheduler byName(String name, SchedulerConfig base) {
    return resolve(name, null).create(base);
  }

  /**
   * The config {@link #byName} builds: {@code base} converted to the sampler's class and options.
   */
  public static SchedulerConfig configFor(String name, SchedulerConfig base) {
    if (name == null)
      throw new IllegalArgumentException("no sampler name given; valid: " + validList());
    return resolve(name, null).config(base);
  }

  /** The name users know for a sampler name, alias or class name; an error when unknown. */
  public static String requireKnown(String name) {
    if (name == null)
      throw new IllegalArgumentException("no sampler name given; valid: " + validList());
    return resolve(name, null).name();
  }

  /**
   * The name users know for the scheduler {@code config} describes ("DPM++ 2M Karras" for a DPM
   * solver with Karras sigmas), or its class name when no row matches.
   */
  static String nameOf(SchedulerConfig config) {
    Entry plain = null;
    for (Entry e : TABLE) {
      if (!e.className().equals(config.className())) continue;
      if (e.overrides().isEmpty() && plain == null) plain = e;
    }
    if (plain == null) return config.className();
    if (config.useKarrasSigmas()) {
      Entry karras = find(plain.name() + " " + KARRAS);
      if (karras != null) return karras.name();
    }
    return plain.name();
  }

  private static Entry find(String name) {
    String key = normalize(name);
    Entry byClass = null;
    for (Entry e : TABLE) {
      if (normalize(e.name()).equals(key)) return e;
      for (String a : e.aliases()) if (normalize(a).equals(key)) return e;
      if (byClass == null && e.overrides().isEmpty() && normalize(e.className()).equals(key))
        byClass = e;
    }
    return byClass;
  }

  private static String validList() {
    List<String> all = new ArrayList<>();
    for (Entry e : TABLE) all.add('"' + e.name() + '"');
    all.addAll(SchedulerConfig.CLASS_NAMES);
    return String.join(", ", all) + " (and A1111's k_ aliases)";
  }

  private static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]", "");
  }
}
