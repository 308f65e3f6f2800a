package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a sampler cannot do, said before any work starts. Two kinds of limit exist:
 *
 * <ul>
 *   <li>the model's {@code prediction_type}: diffusers 0.30.3's class takes only some ({@link
 *       SchedulerConfig#predictionTypes}; Euler a, DPM2, DPM2 a and PNDM have no x0 "sample"
 *       prediction);
 *   <li>starting from a noised picture (img2img, inpainting, the hires fix's second pass): {@link
 *       #NO_IMG2IMG} names the classes that cannot, with the reason. Every sampler of the table can
 *       today ({@code SamplerModesTest} runs each row in each mode); a row added without that
 *       ability is listed there.
 * </ul>
 */
public final class SamplerLimits {
  private SamplerLimits() {}

  /** Classes without img2img, with the reason. None of today's: see the class comment. */
  private static final Map<String, String> NO_IMG2IMG = Map.of();

  /** Whether the sampler of diffusers class {@code className} can start from a noised picture. */
  public static boolean img2img(String className) {
    return !NO_IMG2IMG.containsKey(className);
  }

  /**
   * What the row {@code e} cannot do, in words ("no img2img", "no sample (x0) prediction"); empty
   * when it does everything the pipeline asks of a sampler.
   */
  public static List<String> of(Samplers.Entry e) {
    List<String> out = new ArrayList<>();
    if (!img2img(e.className())) out.add("no img2img/inpainting");
    List<String> types = SchedulerConfig.predictionTypes(e.className());
    for (String t : List.of("epsilon", "v_prediction", "sample"))
      if (!types.contains(t)) out.add("no " + describe(t));
    return out;
  }

  /**
   * Refuses {@code choice} for a model whose schedule is {@code base} when it cannot predict the
   * model's way, naming the samplers that can.
   */
  static void checkPrediction(SamplerChoice choice, String targetClass, SchedulerConfig base) {
    String type = base.predictionType();
    if (SchedulerConfig.predictionTypes(targetClass).contains(type)) return;
    List<String> can = new ArrayList<>();
    for (Samplers.Entry e : Samplers.entries())
      if (SchedulerConfig.predictionTypes(e.className()).contains(type)) can.add(e.name());
    throw new IllegalArgumentException(
        "the sampler "
            + label(choice, targetClass)
            + " cannot sample a model with "
            + describe(type)
            + " (diffusers' "
            + targetClass
            + " takes prediction_type "
            + String.join(", ", SchedulerConfig.predictionTypes(targetClass))
            + "); samplers that can: "
            + String.join(", ", can));
  }

  /**
   * Refuses {@code choice} for a request that starts from a picture ({@code what}: "img2img",
   * "inpainting", "the hires fix") when its class cannot, naming the samplers that can.
   */
  public static void checkImg2img(SamplerChoice choice, SchedulerConfig base, String what) {
    String target = choice.className() == null ? base.className() : choice.className();
    String why = NO_IMG2IMG.get(target);
    if (why == null) return;
    List<String> can = new ArrayList<>();
    for (Samplers.Entry e : Samplers.entries()) if (img2img(e.className())) can.add(e.name());
    throw new IllegalArgumentException(
        "the sampler "
            + label(choice, target)
            + " cannot do "
            + what
            + " ("
            + why
            + "); samplers that can: "
            + String.join(", ", can));
  }

  private static String label(SamplerChoice choice, String targetClass) {
    return "'" + (choice.name() == null ? targetClass : choice.name()) + "'";
  }

  private static String describe(String predictionType) {
    return switch (predictionType) {
      case "epsilon" -> "epsilon (noise) prediction";
      case "v_prediction" -> "v-prediction";
      case "sample" -> "sample (x0) prediction";
      default -> predictionType + " prediction";
    };
  }
}
