package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Typed access to a JSON body's fields, or to a form's text fields (numbers given as text). */
record OpenAiParams(ObjectNode values, boolean form) {
  void refuseUnknown(Set<String> accepted) {
    values
        .fieldNames()
        .forEachRemaining(
            n -> {
              if (!accepted.contains(n)) throw OpenAiForm.unknown(n, accepted, Set.of());
            });
  }

  private JsonNode get(String name) {
    JsonNode n = values.get(name);
    return n == null || n.isNull() ? null : n;
  }

  String text(String name, int maxChars) {
    JsonNode n = get(name);
    if (n == null) return null;
    if (!n.isTextual())
      throw OpenAiJson.invalid(name, name + " must be a string, got " + Json.describe(n));
    String s = n.textValue();
    if (s.length() > maxChars)
      throw OpenAiJson.invalid(
          name, name + " is " + s.length() + " characters long; at most " + maxChars);
    return s;
  }

  /**
   * A list of strings: a JSON array of strings, or a form's repeated field ({@code name} or {@code
   * name[]}, as the openai client sends a list in {@code extra_body}); empty when absent.
   */
  List<String> texts(String name, int maxItems, int maxChars) {
    JsonNode n = get(name);
    if (n == null) return List.of();
    if (!n.isArray() && !(form && n.isTextual()))
      throw OpenAiJson.invalid(
          name, name + " must be an array of strings, got " + Json.describe(n));
    List<String> out = new ArrayList<>();
    for (JsonNode item : n.isArray() ? n : List.of(n)) {
      if (!item.isTextual())
        throw OpenAiJson.invalid(
            name, name + " must hold strings only, got " + Json.describe(item));
      if (item.textValue().length() > maxChars)
        throw OpenAiJson.invalid(name, name + ": a name longer than " + maxChars + " characters");
      out.add(item.textValue());
    }
    if (out.size() > maxItems)
      throw OpenAiJson.invalid(
          name, name + ": " + out.size() + " names; at most " + maxItems + " are accepted");
    return out;
  }

  String prompt(ServerConfig config) {
    String s = text("prompt", config.maxPromptChars());
    if (s == null || s.isBlank())
      throw OpenAiJson.invalid("prompt", "prompt is required: say what the picture shows");
    return s;
  }

  Long integer(String name, long min, long max) {
    BigDecimal v = numeric(name, true);
    if (v == null) return null;
    if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0)
      throw OpenAiJson.invalid(name, name + " must be from " + min + " to " + max + ", got " + v);
    return v.longValueExact();
  }

  Double number(String name, double min, double max) {
    BigDecimal n = numeric(name, false);
    if (n == null) return null;
    double v = n.doubleValue();
    if (!(v >= min && v <= max))
      throw OpenAiJson.invalid(name, name + " must be from " + min + " to " + max + ", got " + v);
    return v;
  }

  /** The field as a number (form fields arrive as text); an error naming what is accepted. */
  private BigDecimal numeric(String name, boolean integral) {
    JsonNode n = get(name);
    if (n == null) return null;
    String kind = integral ? "an integer" : "a number";
    if (form && n.isTextual()) {
      try {
        BigDecimal v = new BigDecimal(n.textValue().strip());
        if (integral) v.toBigIntegerExact();
        return v;
      } catch (NumberFormatException | ArithmeticException e) {
        throw OpenAiJson.invalid(
            name, name + " must be " + kind + ", got '" + Json.abbreviate(n.textValue()) + "'");
      }
    }
    boolean ok = integral ? n.isIntegralNumber() && n.canConvertToLong() : n.isNumber();
    if (!ok)
      throw OpenAiJson.invalid(name, name + " must be " + kind + ", got " + Json.describe(n));
    return n.decimalValue();
  }
}
