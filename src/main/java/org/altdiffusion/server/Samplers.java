package org.altdiffusion.server;

import java.util.List;
import org.altdiffusion.schedulers.Samplers.Entry;
import org.altdiffusion.schedulers.ScheduleType;

/**
 * Sampler and schedule names as clients send them, resolved through the one sampler table ({@link
 * org.altdiffusion.schedulers.Samplers}: names, A1111's {@code k_} aliases, class names, case and
 * separators ignored), against what the model offers; errors in A1111's shapes.
 */
final class Samplers {
  private Samplers() {}

  /** A1111's aliases of {@code name}; none for a name the table does not have. */
  static List<String> aliases(String name) {
    for (Entry e : org.altdiffusion.schedulers.Samplers.entries())
      if (e.name().equals(name)) return e.aliases();
    return List.of();
  }

  /**
   * The model's name for {@code requested}; null stays null (the model's own scheduler).
   *
   * @throws ApiException 404 "Sampler not found" (as A1111) listing the accepted names
   */
  static String resolve(String requested, List<String> available) {
    if (requested == null) return null;
    if (available.contains(requested)) return requested;
    try {
      String name = org.altdiffusion.schedulers.Samplers.requireKnown(requested);
      if (available.contains(name)) return name;
    } catch (IllegalArgumentException unknown) {
      // answered below with the names this model accepts
    }
    throw ApiException.notFound(
        "Sampler not found",
        "unknown sampler '"
            + Json.abbreviate(requested)
            + "'; this model accepts: "
            + String.join(", ", available)
            + " (or leave sampler_name out for the model's own scheduler)");
  }

  /**
   * A1111's schedule type as the pipeline takes it: null for none or "Automatic", else its label
   * ("Karras", "SGM Uniform", ...).
   *
   * @throws ApiException 422 naming the accepted types
   */
  static String schedule(String requested) {
    if (requested == null || requested.isBlank()) return null;
    try {
      return org.altdiffusion.schedulers.Samplers.resolve(null, requested).scheduleType();
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(
          "scheduler: "
              + Json.abbreviate(requested)
              + " is not known; accepted: "
              + String.join(", ", ScheduleType.labels())
              + " (see GET /sdapi/v1/schedulers)");
    }
  }
}
