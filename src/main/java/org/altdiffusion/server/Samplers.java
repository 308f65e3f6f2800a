package org.altdiffusion.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sampler names as clients send them: the model's own names, matched exactly, then ignoring case,
 * then through the k-diffusion style aliases A1111 also accepts ({@code k_euler_a} for "Euler a").
 */
final class Samplers {
  /** A1111's aliases of the names a model may offer. */
  private static final Map<String, List<String>> ALIASES =
      Map.ofEntries(
          Map.entry("Euler a", List.of("k_euler_a", "k_euler_ancestral")),
          Map.entry("Euler", List.of("k_euler")),
          Map.entry("LMS", List.of("k_lms")),
          Map.entry("Heun", List.of("k_heun")),
          Map.entry("DPM2", List.of("k_dpm_2")),
          Map.entry("DPM2 a", List.of("k_dpm_2_a")),
          Map.entry("DPM++ 2M", List.of("k_dpmpp_2m")),
          Map.entry("DPM++ 2S a", List.of("k_dpmpp_2s_a")),
          Map.entry("DPM++ SDE", List.of("k_dpmpp_sde")),
          Map.entry("DDIM", List.of("ddim")),
          Map.entry("PLMS", List.of("plms")),
          Map.entry("PNDM", List.of("pndm")),
          Map.entry("UniPC", List.of("unipc")));

  private Samplers() {}

  static List<String> aliases(String name) {
    return ALIASES.getOrDefault(name, List.of());
  }

  /**
   * The model's name for {@code requested}; null stays null (the model's own scheduler).
   *
   * @throws ApiException 404 "Sampler not found" (as A1111) listing the accepted names
   */
  static String resolve(String requested, List<String> available) {
    if (requested == null) return null;
    for (String s : available) if (s.equals(requested)) return s;
    String lower = requested.toLowerCase(Locale.ROOT);
    for (String s : available) {
      if (s.toLowerCase(Locale.ROOT).equals(lower)) return s;
      for (String a : aliases(s)) if (a.equals(lower)) return s;
    }
    List<String> accepted = new ArrayList<>(available);
    throw ApiException.notFound(
        "Sampler not found",
        "unknown sampler '"
            + Json.abbreviate(requested)
            + "'; this model accepts: "
            + String.join(", ", accepted)
            + " (or leave sampler_name out for the model's own scheduler)");
  }
}
