package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One field of a JSON request body: type, default, bounds and meaning. The request parsers read
 * values through it and {@code /openapi.json} is written from it, so the document says exactly what
 * is accepted. Reading is lenient where AUTOMATIC1111's (pydantic) is: {@code null} means the
 * default, numbers may come as numeric strings, integers as integral floats ({@code 20.0}).
 *
 * @param name JSON key
 * @param kind JSON type
 * @param defaultValue value when absent or null (null = no default)
 * @param min smallest accepted number, or longest string when {@code kind} is STRING (null = none)
 * @param max largest accepted number, or longest string (null = none)
 * @param description what it means, for the OpenAPI document
 * @param facets further OpenAPI schema keywords that say what is accepted where the request parser
 *     checks more than type and bounds ({@code multipleOf}, {@code enum}, {@code maxItems}, ...);
 *     they override the keywords written from the other components
 */
public record Field(
    String name,
    Kind kind,
    Object defaultValue,
    Number min,
    Number max,
    String description,
    Map<String, Object> facets) {

  public Field {
    if (kind == Kind.INTEGER && (min == null || max == null))
      throw new IllegalArgumentException(name + ": integer fields need bounds");
    facets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(facets));
  }

  public Field(
      String name, Kind kind, Object defaultValue, Number min, Number max, String description) {
    this(name, kind, defaultValue, min, max, description, Map.of());
  }

  /**
   * This field with one more schema keyword. The parser must refuse exactly what the keyword
   * refuses (ApiServerOpenApiTest compares the two).
   */
  Field with(String keyword, Object value) {
    Map<String, Object> f = new LinkedHashMap<>(facets);
    f.put(keyword, value);
    return new Field(name, kind, defaultValue, min, max, description, f);
  }

  public enum Kind {
    STRING("string"),
    INTEGER("integer"),
    NUMBER("number"),
    BOOLEAN("boolean"),
    OBJECT("object"),
    ARRAY("array");

    final String openApiType;

    Kind(String t) {
      openApiType = t;
    }
  }

  static Field string(String name, String def, Integer maxLength, String description) {
    return new Field(name, Kind.STRING, def, null, maxLength, description);
  }

  static Field integer(String name, Long def, long min, long max, String description) {
    return new Field(name, Kind.INTEGER, def, min, max, description);
  }

  static Field number(String name, Double def, double min, double max, String description) {
    return new Field(name, Kind.NUMBER, def, min, max, description);
  }

  static Field bool(String name, boolean def, String description) {
    return new Field(name, Kind.BOOLEAN, def, null, null, description);
  }

  static Field object(String name, String description) {
    return new Field(name, Kind.OBJECT, Map.of(), null, null, description);
  }

  static Field array(String name, String description) {
    return new Field(name, Kind.ARRAY, java.util.List.of(), null, null, description);
  }

  private static boolean absent(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode();
  }

  private ApiException wrongType(String expected, JsonNode got) {
    return ApiException.invalid(name + " must be " + expected + ", got " + Json.describe(got));
  }

  /** The string value, the default when absent. */
  String text(ObjectNode body) {
    JsonNode n = body.get(name);
    if (absent(n)) return (String) defaultValue;
    if (!n.isTextual()) throw wrongType("a string", n);
    String s = n.textValue();
    // Characters as JSON Schema's maxLength counts them: code points, not UTF-16 units.
    int length = s.codePointCount(0, s.length());
    if (max != null && length > max.intValue()) {
      throw ApiException.invalid(
          name + " is " + length + " characters long; at most " + max + " are accepted");
    }
    return s;
  }

  /** The integer value within [min, max], the default when absent. */
  long integer(ObjectNode body) {
    JsonNode n = body.get(name);
    if (absent(n)) return ((Number) defaultValue).longValue();
    BigDecimal v = numeric(n, "an integer");
    checkRange(v); // first: bounds every later conversion (think "1e999999999")
    if (v.stripTrailingZeros().scale() > 0) {
      throw ApiException.invalid(
          name + " must be a whole number, got " + Json.abbreviate(v.toString()));
    }
    return v.longValueExact();
  }

  /** The number value within [min, max], the default when absent (may be null). */
  Double number(ObjectNode body) {
    JsonNode n = body.get(name);
    if (absent(n)) return defaultValue == null ? null : ((Number) defaultValue).doubleValue();
    BigDecimal v = numeric(n, "a number");
    checkRange(v);
    return v.doubleValue();
  }

  private BigDecimal numeric(JsonNode n, String expected) {
    if (n.isNumber()) {
      if (n.isDouble() || n.isFloat()) {
        double d = n.doubleValue();
        if (!Double.isFinite(d))
          throw ApiException.invalid(name + " must be a finite number, got " + n.asText());
      }
      return n.decimalValue();
    }
    if (n.isTextual()) {
      try {
        String t = n.textValue().strip();
        if (t.length() > 40) throw new NumberFormatException();
        return new BigDecimal(t);
      } catch (NumberFormatException e) {
        throw wrongType(expected, n);
      }
    }
    throw wrongType(expected, n);
  }

  private void checkRange(BigDecimal v) {
    boolean low = min != null && v.compareTo(new BigDecimal(min.toString())) < 0;
    boolean high = max != null && v.compareTo(new BigDecimal(max.toString())) > 0;
    if (low || high) {
      throw ApiException.invalid(
          name
              + " must be between "
              + min
              + " and "
              + max
              + ", got "
              + Json.abbreviate(v.toString()));
    }
  }

  /**
   * The boolean value (also "true"/"false" and 0/1, as pydantic accepts), the default when absent.
   */
  boolean bool(ObjectNode body) {
    JsonNode n = body.get(name);
    if (absent(n)) return (Boolean) defaultValue;
    if (n.isBoolean()) return n.booleanValue();
    if (n.isIntegralNumber() && (n.asLong() == 0 || n.asLong() == 1)) return n.asLong() == 1;
    if (n.isTextual()) {
      switch (n.textValue().strip().toLowerCase(java.util.Locale.ROOT)) {
        case "true", "1", "yes", "on" -> {
          return true;
        }
        case "false", "0", "no", "off" -> {
          return false;
        }
        default -> {}
      }
    }
    throw wrongType("true or false", n);
  }

  /** The object value, an empty object when absent. */
  ObjectNode object(ObjectNode body) {
    JsonNode n = body.get(name);
    if (absent(n)) return Json.object();
    if (!n.isObject()) throw wrongType("an object", n);
    return (ObjectNode) n;
  }

  /** The array value, an empty array when absent. */
  ArrayNode array(ObjectNode body) {
    JsonNode n = body.get(name);
    if (absent(n)) return Json.array();
    if (!n.isArray()) throw wrongType("an array", n);
    return (ArrayNode) n;
  }

  /** This field as an OpenAPI 3 schema. */
  Map<String, Object> schema() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("type", kind.openApiType);
    if (kind == Kind.INTEGER) s.put("format", "int64");
    if (kind == Kind.STRING) {
      if (max != null) s.put("maxLength", max);
    } else {
      if (min != null) s.put("minimum", min);
      if (max != null) s.put("maximum", max);
    }
    if (defaultValue != null) s.put("default", defaultValue);
    s.put("nullable", true);
    s.putAll(facets);
    s.put("description", description);
    return s;
  }
}
