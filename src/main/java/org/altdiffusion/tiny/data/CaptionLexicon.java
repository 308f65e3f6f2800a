package org.altdiffusion.tiny.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One language's caption data ({@code tiny/captions/<code>.json}) and the small engine that turns
 * attributes into a caption with it. The grammar lives in the data, not here:
 *
 * <ul>
 *   <li>{@code genders}: the noun classes that adjectives agree with (absent: no agreement);
 *   <li>{@code citation_gender}: the gender whose forms are the dictionary forms that bare words
 *       ("red", "small") use (required with genders);
 *   <li>{@code shapes}: per shape its {@code noun}, its {@code gender}, and any extra per-noun
 *       words (e.g. a Chinese classifier {@code "measure": "颗"}) that templates reach as {@code
 *       {shape.measure}};
 *   <li>{@code any_shape}: the generic noun ("shape", "Form") said in the shape's place by captions
 *       that leave the shape open, as a {@code shapes} entry;
 *   <li>{@code colours}, {@code sizes}, {@code positions}, {@code words}: each entry is either one
 *       invariable string or an object of forms by gender ({@code {"m": "vert", "f": "verte"}}, key
 *       {@code "*"} for all others), chosen by the shape noun's gender; key {@code "bare"} gives
 *       the dictionary form when it is none of those ({@code "rot"} beside {@code "roter"},
 *       Japanese {@code "赤"} beside {@code "赤い"});
 *   <li>{@code templates}: one per {@link CaptionTemplate} with a text of its own ({@link
 *       CaptionTemplate#hasOwnText}), literal text with slots {@code {shape}}, {@code {colour}},
 *       {@code {size}}, {@code {position}}, {@code {shape.PROPERTY}} and any {@code words} key;
 *       word order is the template's;
 *   <li>{@code rewrites}: regular-expression replacements applied in order to the composed text,
 *       for sound-dependent forms (English a/an, Ukrainian у/в);
 *   <li>{@code notes}: free text for reviewers.
 * </ul>
 *
 * Runs of spaces collapse to one and the caption is trimmed. Loading composes every caption once,
 * so a missing form is an error at load naming the file and field, never a wrong caption later.
 */
public final class CaptionLexicon {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();
  private static final Pattern SLOT = Pattern.compile("\\{([a-z_]+)(?:\\.([a-z_]+))?}");
  private static final Set<String> TOP_FIELDS =
      Set.of(
          "language",
          "name",
          "genders",
          "citation_gender",
          "shapes",
          "any_shape",
          "colours",
          "sizes",
          "positions",
          "words",
          "templates",
          "rewrites",
          "notes");
  private static final List<String> ATTRIBUTE_SLOTS =
      List.of("shape", "colour", "size", "position");

  /** An entry's forms: one string for every gender, or one per gender ({@code "*"}: any other). */
  public record Forms(Map<String, String> byGender) {
    static final String ANY = "*";
    static final String BARE = "bare";

    /** The form for {@code gender} (null for languages without genders). */
    public String of(String gender) {
      String f = gender == null ? null : byGender.get(gender);
      return f != null ? f : byGender.get(ANY);
    }

    /**
     * The dictionary form, for a word said alone: the {@code "bare"} form when given, else the form
     * of {@code citationGender} (null for languages without genders).
     */
    public String bare(String citationGender) {
      String f = byGender.get(BARE);
      return f != null ? f : of(citationGender);
    }

    /** True when one string serves every gender. */
    public boolean invariable() {
      return byGender.size() == 1 && byGender.containsKey(ANY);
    }
  }

  /** A shape's noun, its gender (null without genders) and extra per-noun words. */
  public record Noun(String noun, String gender, Map<String, String> properties) {}

  private record Part(String literal, String slot, String property) {}

  private record Rewrite(Pattern pattern, String replacement) {}

  private final Language language;
  private final String source;
  private final String name;
  private final List<String> genders;
  private final String citationGender;
  private final Map<Shape, Noun> shapes;
  private final Noun anyShape;
  private final Map<Colour, Forms> colours;
  private final Map<Size, Forms> sizes;
  private final Map<Position, Forms> positions;
  private final Map<String, Forms> words;
  private final Map<CaptionTemplate, String> templateTexts;
  private final Map<CaptionTemplate, List<Part>> templates;
  private final List<Rewrite> rewrites;
  private final List<String> notes;

  private CaptionLexicon(Language language, String source, JsonNode root) {
    this.language = language;
    this.source = source;
    if (root == null || !root.isObject()) throw fail("expected a JSON object");
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!TOP_FIELDS.contains(f))
        throw fail(
            "unknown field '"
                + f
                + "'; accepted: "
                + String.join(", ", TOP_FIELDS.stream().sorted().toList()));
    }
    String code = text(root, "language");
    if (!code.equals(language.code()))
      throw fail("language is '" + code + "', expected '" + language.code() + "'");
    this.name = text(root, "name");
    this.genders = root.has("genders") ? strings(root.get("genders"), "genders") : List.of();
    this.citationGender = citationGender(root);
    this.shapes = nouns(object(root, "shapes"));
    this.anyShape = noun(object(root, "any_shape"), "any_shape");
    this.colours = enumForms(object(root, "colours"), "colours", Colour.values(), Colour::key);
    this.sizes = enumForms(object(root, "sizes"), "sizes", Size.values(), Size::key);
    this.positions =
        enumForms(object(root, "positions"), "positions", Position.values(), Position::key);
    this.words = new LinkedHashMap<>();
    if (root.has("words")) {
      JsonNode w = object(root, "words");
      for (Iterator<String> it = w.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (ATTRIBUTE_SLOTS.contains(key) || !key.matches("[a-z_]+"))
          throw fail(
              "words."
                  + key
                  + ": word names are lowercase letters and '_', and not "
                  + ATTRIBUTE_SLOTS);
        words.put(key, forms(w.get(key), "words." + key));
      }
    }
    this.templateTexts = new EnumMap<>(CaptionTemplate.class);
    this.templates = new EnumMap<>(CaptionTemplate.class);
    JsonNode t = object(root, "templates");
    CaptionTemplate[] own =
        java.util.Arrays.stream(CaptionTemplate.values())
            .filter(CaptionTemplate::hasOwnText)
            .toArray(CaptionTemplate[]::new);
    requireExactKeys(t, "templates", enumKeys(own, CaptionTemplate::key));
    for (CaptionTemplate template : own) {
      String text = text(t, template.key());
      templateTexts.put(template, text);
      templates.put(template, parseTemplate(template, text));
    }
    this.rewrites = new ArrayList<>();
    if (root.has("rewrites")) {
      JsonNode r = root.get("rewrites");
      if (!r.isArray()) throw fail("rewrites: expected an array of {\"pattern\", \"replacement\"}");
      for (int i = 0; i < r.size(); i++) {
        JsonNode e = r.get(i);
        String where = "rewrites[" + i + "]";
        if (!e.isObject())
          throw fail(where + ": expected an object {\"pattern\", \"replacement\", \"note\"}");
        for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
          String f = it.next();
          if (!Set.of("pattern", "replacement", "note").contains(f))
            throw fail(where + ": unknown field '" + f + "'; accepted: pattern, replacement, note");
        }
        try {
          rewrites.add(
              new Rewrite(
                  Pattern.compile(text(e, "pattern", where)), text(e, "replacement", where)));
        } catch (PatternSyntaxException ex) {
          throw fail(where + ".pattern: not a valid regular expression: " + ex.getDescription());
        }
      }
    }
    this.notes = root.has("notes") ? strings(root.get("notes"), "notes") : List.of();
    composeEverything();
  }

  /** The bundled data of {@code language}, from the class path. */
  public static CaptionLexicon load(Language language) {
    String resource = "tiny/captions/" + language.code() + ".json";
    try (InputStream in = CaptionLexicon.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new CaptionDataException(resource, "not found on the class path");
      return parse(language, resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CaptionDataException(resource, "cannot read: " + e.getMessage());
    }
  }

  /** Parses {@code json} as the data of {@code language}; {@code source} names it in errors. */
  public static CaptionLexicon parse(Language language, String source, String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      String m = e.getMessage();
      int cut = m == null ? -1 : m.indexOf("\n at [Source");
      throw new CaptionDataException(
          source, "not valid JSON: " + (cut > 0 ? m.substring(0, cut) : m));
    }
    return new CaptionLexicon(language, source, root);
  }

  /**
   * The caption of {@code attributes} said with {@code template}; attributes the template leaves
   * open are not used.
   */
  public String caption(Attributes attributes, CaptionTemplate template) {
    Noun noun = template.genericNoun() ? anyShape : shapes.get(attributes.shape());
    StringBuilder sb = new StringBuilder();
    for (Part p : templates.get(template.text())) {
      if (p.literal != null) {
        sb.append(p.literal);
        continue;
      }
      sb.append(
          switch (p.slot) {
            case "shape" -> p.property == null ? noun.noun() : noun.properties().get(p.property);
            case "colour" -> form(colours.get(attributes.colour()), noun, template);
            case "size" -> form(sizes.get(attributes.size()), noun, template);
            case "position" -> form(positions.get(attributes.position()), noun, template);
            default -> form(words.get(p.slot), noun, template);
          });
    }
    String text = sb.toString().replaceAll("\\s+", " ").trim();
    for (Rewrite r : rewrites) text = r.pattern.matcher(text).replaceAll(r.replacement);
    return text;
  }

  /** A word's form: the dictionary form for a bare word, else the one agreeing with the noun. */
  private String form(Forms forms, Noun noun, CaptionTemplate template) {
    return template.bare() ? forms.bare(citationGender) : forms.of(noun.gender());
  }

  public Language language() {
    return language;
  }

  /** The language's name in English, as the data file gives it. */
  public String name() {
    return name;
  }

  /** Genders adjectives agree with; empty when the language has no agreement. */
  public List<String> genders() {
    return Collections.unmodifiableList(genders);
  }

  public Noun noun(Shape shape) {
    return shapes.get(shape);
  }

  /** The generic noun said in the shape's place when a caption leaves the shape open. */
  public Noun anyShape() {
    return anyShape;
  }

  /** The gender of the dictionary forms (null without genders). */
  public String citationGender() {
    return citationGender;
  }

  public Forms colour(Colour colour) {
    return colours.get(colour);
  }

  public Forms size(Size size) {
    return sizes.get(size);
  }

  public Forms position(Position position) {
    return positions.get(position);
  }

  /** The template's text as written in the data file. */
  public String templateText(CaptionTemplate template) {
    return templateTexts.get(template);
  }

  /** The rewrite rules as "pattern -> replacement". */
  public List<String> rewriteRules() {
    return rewrites.stream().map(r -> r.pattern.pattern() + " -> " + r.replacement).toList();
  }

  public List<String> notes() {
    return Collections.unmodifiableList(notes);
  }

  // ---- parsing

  private List<Part> parseTemplate(CaptionTemplate template, String text) {
    String where = "templates." + template.key();
    List<Part> parts = new ArrayList<>();
    Map<String, Integer> uses = new LinkedHashMap<>();
    Matcher m = SLOT.matcher(text);
    int at = 0;
    while (m.find()) {
      if (m.start() > at) parts.add(new Part(text.substring(at, m.start()), null, null));
      String slot = m.group(1);
      String property = m.group(2);
      if (property != null) {
        if (!slot.equals("shape"))
          throw fail(
              where
                  + ": {"
                  + slot
                  + "."
                  + property
                  + "}: only {shape.PROPERTY} reaches per-noun words");
        if (!anyShape.properties().containsKey(property))
          throw fail(
              where + ": uses {shape." + property + "} but any_shape has no '" + property + "'");
        for (Shape s : Shape.values()) {
          if (!shapes.get(s).properties().containsKey(property))
            throw fail(
                where
                    + ": uses {shape."
                    + property
                    + "} but shapes."
                    + s.key()
                    + " has no '"
                    + property
                    + "'");
        }
      } else if (!ATTRIBUTE_SLOTS.contains(slot) && !words.containsKey(slot)) {
        throw fail(
            where
                + ": unknown slot {"
                + slot
                + "}; accepted: "
                + ATTRIBUTE_SLOTS
                + ", {shape.PROPERTY}, words "
                + words.keySet());
      }
      if (property == null && ATTRIBUTE_SLOTS.contains(slot)) uses.merge(slot, 1, Integer::sum);
      parts.add(new Part(null, slot, property));
      at = m.end();
    }
    if (at < text.length()) parts.add(new Part(text.substring(at), null, null));
    for (Part p : parts) {
      if (p.literal != null && (p.literal.contains("{") || p.literal.contains("}")))
        throw fail(where + ": stray brace in \"" + text + "\"; slots look like {colour}");
    }
    // a template must say exactly what its meaning says, once each: no attribute dropped or doubled
    Map<String, Integer> expected = new LinkedHashMap<>();
    if (template.mentionsShape()) expected.put("shape", 1);
    if (template.mentionsColour()) expected.put("colour", 1);
    if (template.mentionsSize()) expected.put("size", 1);
    if (template.mentionsPosition()) expected.put("position", 1);
    if (!uses.equals(expected))
      throw fail(where + ": must use " + expected.keySet() + " once each, uses " + uses);
    return parts;
  }

  private Map<Shape, Noun> nouns(JsonNode node) {
    requireExactKeys(node, "shapes", enumKeys(Shape.values(), Shape::key));
    Map<Shape, Noun> out = new EnumMap<>(Shape.class);
    for (Shape s : Shape.values()) out.put(s, noun(node.get(s.key()), "shapes." + s.key()));
    return out;
  }

  private String citationGender(JsonNode root) {
    if (genders.isEmpty()) {
      if (root.has("citation_gender"))
        throw fail("citation_gender: this language declares no genders");
      return null;
    }
    String g = text(root, "citation_gender");
    if (!genders.contains(g))
      throw fail("citation_gender: '" + g + "' is not one of the declared genders " + genders);
    return g;
  }

  private Noun noun(JsonNode n, String where) {
    if (!n.isObject()) throw fail(where + ": expected an object {\"noun\": ..., \"gender\": ...}");
    String noun = text(n, "noun", where);
    String gender = null;
    if (genders.isEmpty()) {
      if (n.has("gender")) throw fail(where + ".gender: this language declares no genders");
    } else {
      gender = text(n, "gender", where);
      if (!genders.contains(gender))
        throw fail(
            where + ".gender: '" + gender + "' is not one of the declared genders " + genders);
    }
    Map<String, String> properties = new LinkedHashMap<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equals("noun") || f.equals("gender")) continue;
      properties.put(f, text(n, f, where));
    }
    return new Noun(noun, gender, properties);
  }

  private <E extends Enum<E>> Map<E, Forms> enumForms(
      JsonNode node, String field, E[] values, Function<E, String> key) {
    requireExactKeys(node, field, enumKeys(values, key));
    Map<E, Forms> out = new LinkedHashMap<>();
    for (E e : values) out.put(e, forms(node.get(key.apply(e)), field + "." + key.apply(e)));
    return out;
  }

  private Forms forms(JsonNode n, String where) {
    if (n.isTextual()) {
      if (n.asText().isBlank()) throw fail(where + ": empty");
      return new Forms(Map.of(Forms.ANY, n.asText()));
    }
    if (!n.isObject()) throw fail(where + ": expected a string or an object of forms by gender");
    Map<String, String> byGender = new LinkedHashMap<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String g = it.next();
      if (genders.isEmpty() && !g.equals(Forms.ANY) && !g.equals(Forms.BARE))
        throw fail(
            where
                + ": forms by gender, but this language declares no genders (accepted keys: \"*\""
                + " and \"bare\")");
      if (!g.equals(Forms.ANY) && !g.equals(Forms.BARE) && !genders.contains(g))
        throw fail(
            where + ": '" + g + "' is not a declared gender " + genders + ", \"*\" or \"bare\"");
      byGender.put(g, text(n, g, where));
    }
    if (genders.isEmpty() && !byGender.containsKey(Forms.ANY))
      throw fail(where + ": no \"*\" form (the form used in captions)");
    for (String g : genders) {
      if (!byGender.containsKey(g) && !byGender.containsKey(Forms.ANY))
        throw fail(
            where
                + ": no form for gender '"
                + g
                + "' (has: "
                + String.join(", ", byGender.keySet())
                + ")");
    }
    return new Forms(byGender);
  }

  private void composeEverything() {
    for (Attributes a : Attributes.all()) {
      for (CaptionTemplate t : CaptionTemplate.values()) {
        String c = caption(a, t);
        if (c.isEmpty()) throw fail("templates." + t.key() + " gives an empty caption for " + a);
      }
    }
  }

  private static <E> Set<String> enumKeys(E[] values, Function<E, String> key) {
    Set<String> out = new LinkedHashSet<>();
    for (E e : values) out.add(key.apply(e));
    return out;
  }

  private void requireExactKeys(JsonNode node, String where, Set<String> keys) {
    Set<String> have = new LinkedHashSet<>();
    node.fieldNames().forEachRemaining(have::add);
    for (String k : have)
      if (!keys.contains(k))
        throw fail(where + "." + k + ": unknown key; accepted: " + String.join(", ", keys));
    for (String k : keys) if (!have.contains(k)) throw fail(where + ": missing '" + k + "'");
  }

  private JsonNode object(JsonNode root, String field) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) throw fail("missing field '" + field + "'");
    if (!n.isObject()) throw fail(field + ": expected an object");
    return n;
  }

  private String text(JsonNode node, String field) {
    return text(node, field, null);
  }

  private String text(JsonNode node, String field, String where) {
    String path = where == null ? field : where + "." + field;
    JsonNode n = node.get(field);
    if (n == null || n.isNull()) throw fail("missing field '" + path + "'");
    if (!n.isTextual())
      throw fail(path + ": expected a string, got " + n.getNodeType().name().toLowerCase());
    if (n.asText().isBlank()) throw fail(path + ": empty");
    return n.asText();
  }

  private List<String> strings(JsonNode n, String field) {
    if (!n.isArray()) throw fail(field + ": expected an array of strings");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      if (!n.get(i).isTextual() || n.get(i).asText().isBlank())
        throw fail(field + "[" + i + "]: expected a non-empty string");
      out.add(n.get(i).asText());
    }
    return out;
  }

  private CaptionDataException fail(String problem) {
    return new CaptionDataException(source, problem);
  }
}
