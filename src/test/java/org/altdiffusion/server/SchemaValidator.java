package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A validator for the OpenAPI 3.0 schema keywords that this server's {@code /openapi.json} uses.
 * Any other keyword is an error (so that a new keyword cannot silently go unchecked). {@code
 * nullable: true} admits null where {@code type} is given; integral numbers ({@code 20.0}) count as
 * integers.
 */
final class SchemaValidator {
  private static final Set<String> KNOWN =
      Set.of(
          "type",
          "nullable",
          "description",
          "default",
          "format",
          "enum",
          "minimum",
          "maximum",
          "multipleOf",
          "minLength",
          "maxLength",
          "pattern",
          "items",
          "minItems",
          "maxItems",
          "required",
          "properties",
          "additionalProperties",
          "maxProperties",
          "anyOf",
          "allOf",
          "$ref");

  private final JsonNode schemas;

  /**
   * @param document the whole OpenAPI document ({@code $ref}s resolve in its components)
   */
  SchemaValidator(JsonNode document) {
    this.schemas = document.path("components").path("schemas");
  }

  /** The problems of {@code value} against {@code schema}, empty when it is valid. */
  List<String> problems(JsonNode value, JsonNode schema) {
    List<String> out = new ArrayList<>();
    check(value, schema, "$", out);
    return out;
  }

  boolean valid(JsonNode value, JsonNode schema) {
    return problems(value, schema).isEmpty();
  }

  private void check(JsonNode v, JsonNode s, String at, List<String> out) {
    for (Iterator<String> k = s.fieldNames(); k.hasNext(); ) {
      String key = k.next();
      if (!KNOWN.contains(key))
        throw new IllegalArgumentException("schema keyword '" + key + "' at " + at + " unknown");
    }
    if (s.has("$ref")) {
      String ref = s.get("$ref").textValue();
      JsonNode target = schemas.get(ref.substring(ref.lastIndexOf('/') + 1));
      if (target == null) throw new IllegalArgumentException("unresolved " + ref);
      check(v, target, at, out);
      return;
    }
    if (s.has("type")) {
      if (v.isNull()) {
        if (!s.path("nullable").asBoolean(false)) out.add(at + ": null but not nullable");
        else if (s.has("enum") && !contains(s.get("enum"), v)) out.add(at + ": null not in enum");
        return;
      }
      String type = s.get("type").textValue();
      boolean ok =
          switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "boolean" -> v.isBoolean();
            case "number" -> v.isNumber();
            case "integer" -> v.isNumber() && isIntegral(v);
            default -> throw new IllegalArgumentException("type " + type);
          };
      if (!ok) {
        out.add(at + ": " + describe(v) + " is not of type " + type);
        return;
      }
    }
    if (s.has("enum") && !contains(s.get("enum"), v)) out.add(at + ": " + v + " not in enum");
    if (v.isNumber()) {
      BigDecimal d = v.decimalValue();
      if (s.has("minimum") && d.compareTo(s.get("minimum").decimalValue()) < 0)
        out.add(at + ": " + v + " < minimum " + s.get("minimum"));
      if (s.has("maximum") && d.compareTo(s.get("maximum").decimalValue()) > 0)
        out.add(at + ": " + v + " > maximum " + s.get("maximum"));
      if (s.has("multipleOf")
          && d.remainder(s.get("multipleOf").decimalValue()).compareTo(BigDecimal.ZERO) != 0)
        out.add(at + ": " + v + " not a multiple of " + s.get("multipleOf"));
    }
    if (v.isTextual()) {
      String t = v.textValue();
      int n = t.codePointCount(0, t.length());
      if (s.has("maxLength") && n > s.get("maxLength").asInt())
        out.add(at + ": longer than " + s.get("maxLength"));
      if (s.has("minLength") && n < s.get("minLength").asInt())
        out.add(at + ": shorter than " + s.get("minLength"));
      if (s.has("pattern") && !Pattern.compile(s.get("pattern").textValue()).matcher(t).find())
        out.add(at + ": does not match " + s.get("pattern"));
    }
    if (v.isArray()) {
      if (s.has("minItems") && v.size() < s.get("minItems").asInt())
        out.add(at + ": fewer than " + s.get("minItems") + " items");
      if (s.has("maxItems") && v.size() > s.get("maxItems").asInt())
        out.add(at + ": more than " + s.get("maxItems") + " items");
      if (s.has("items"))
        for (int i = 0; i < v.size(); i++) check(v.get(i), s.get("items"), at + "[" + i + "]", out);
    }
    if (v.isObject()) {
      for (JsonNode r : s.path("required"))
        if (!v.has(r.textValue())) out.add(at + ": required " + r.textValue() + " missing");
      if (s.has("maxProperties") && v.size() > s.get("maxProperties").asInt())
        out.add(at + ": more than " + s.get("maxProperties") + " properties");
      JsonNode props = s.path("properties");
      for (Iterator<Map.Entry<String, JsonNode>> f = v.fields(); f.hasNext(); ) {
        Map.Entry<String, JsonNode> e = f.next();
        JsonNode p = props.get(e.getKey());
        if (p != null) check(e.getValue(), p, at + "." + e.getKey(), out);
        else if (s.has("additionalProperties")) {
          JsonNode extra = s.get("additionalProperties");
          if (extra.isBoolean() && !extra.booleanValue())
            out.add(at + ": unexpected property " + e.getKey());
          else if (extra.isObject()) check(e.getValue(), extra, at + "." + e.getKey(), out);
        }
      }
    }
    for (JsonNode sub : s.path("allOf")) check(v, sub, at, out);
    if (s.has("anyOf")) {
      boolean any = false;
      for (JsonNode sub : s.get("anyOf")) {
        if (problems(v, sub).isEmpty()) {
          any = true;
          break;
        }
      }
      if (!any)
        out.add(
            at
                + ": matches none of anyOf"
                + (s.has("description") ? " (" + s.get("description").textValue() + ")" : ""));
    }
  }

  private static boolean isIntegral(JsonNode v) {
    if (v.isIntegralNumber()) return true;
    BigDecimal d = v.decimalValue();
    return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
  }

  private static boolean contains(JsonNode values, JsonNode v) {
    for (JsonNode e : values) {
      if (e.isNumber() && v.isNumber()) {
        if (e.decimalValue().compareTo(v.decimalValue()) == 0) return true;
      } else if (e.equals(v)) return true;
    }
    return false;
  }

  private static String describe(JsonNode v) {
    String s = v.toString();
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
