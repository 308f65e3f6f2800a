package org.altdiffusion.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keeps image-text pairs by their metadata (the {@code .json} img2dataset writes beside each image,
 * or the fields of a JSONL line), as the LAION subsets of the recipe were chosen:
 *
 * <ul>
 *   <li>languages: the {@code LANGUAGE} / {@code language} / {@code lang} field is one of them;
 *   <li>minimum aesthetic score: {@code aesthetic} / {@code AESTHETIC_SCORE} / {@code
 *       aesthetic_score} is at least this (stage 2 used LAION Aesthetics, score &gt; 7).
 * </ul>
 *
 * A pair without the field a filter reads is left out by that filter. The image size filter ({@code
 * minSize}) is checked on the decoded image, at load time. Counts of what each filter left out are
 * kept for the report.
 *
 * @param languages accepted language codes (lower case), or empty for all
 * @param minAesthetic minimum aesthetic score, or NaN for none
 * @param minSize minimum shorter image side in pixels, or 0 for none
 */
public record MetadataFilter(Set<String> languages, double minAesthetic, int minSize) {
  public static final MetadataFilter NONE = new MetadataFilter(Set.of(), Double.NaN, 0);

  public MetadataFilter {
    languages = Set.copyOf(languages.stream().map(l -> l.toLowerCase(Locale.ROOT)).toList());
    if (minSize < 0) throw new IllegalArgumentException("--min-size must be >= 0, got " + minSize);
  }

  /** Whether a metadata filter is set (language or aesthetic). */
  public boolean active() {
    return !languages.isEmpty() || !Double.isNaN(minAesthetic);
  }

  /** Null when {@code meta} passes, else the filter that refused it ("language", "aesthetic"). */
  public String refuse(JsonNode meta) {
    if (!languages.isEmpty()) {
      JsonNode l = first(meta, "LANGUAGE", "language", "lang");
      if (l == null || !languages.contains(l.asText().toLowerCase(Locale.ROOT))) return "language";
    }
    if (!Double.isNaN(minAesthetic)) {
      JsonNode a = first(meta, "aesthetic", "AESTHETIC_SCORE", "aesthetic_score");
      if (a == null || !a.isNumber() || a.asDouble() < minAesthetic) return "aesthetic";
    }
    return null;
  }

  private static JsonNode first(JsonNode meta, String... names) {
    if (meta == null) return null;
    for (String n : names) {
      JsonNode v = meta.get(n);
      if (v != null && !v.isNull()) return v;
    }
    return null;
  }

  /** Counts of refusals by filter name. */
  public static final class Counts {
    private final Map<String, Long> counts = new LinkedHashMap<>();

    public void add(String filter) {
      counts.merge(filter, 1L, Long::sum);
    }

    public long total() {
      return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public String toString() {
      return counts.toString();
    }
  }
}
