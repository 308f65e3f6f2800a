package org.altdiffusion.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON for the server: parsing with limits (nesting, number length) and node builders. */
public final class Json {
  /** Deeper nesting than any valid request needs; bounds the parser's work on hostile input. */
  static final int MAX_NESTING = 64;

  static final ObjectMapper MAPPER =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(MAX_NESTING)
                      .maxNumberLength(64)
                      .maxStringLength(Integer.MAX_VALUE)
                      .build())
              .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build());

  private Json() {}

  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  public static ArrayNode array() {
    return JsonNodeFactory.instance.arrayNode();
  }

  /**
   * Parses a request body; malformed text, trailing garbage or over-limit input is a 400 naming the
   * problem.
   */
  static JsonNode parse(byte[] body) {
    if (body.length == 0)
      throw ApiException.badRequest("the request body is empty; send a JSON object");
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode())
        throw ApiException.badRequest("the request body is empty; send a JSON object");
      return node;
    } catch (JsonProcessingException e) {
      String m = e.getOriginalMessage();
      if (m != null && m.length() > 300) m = m.substring(0, 300) + "...";
      throw ApiException.badRequest("malformed JSON at line " + line(e) + ": " + m);
    } catch (java.io.IOException e) {
      throw ApiException.badRequest("unreadable request body: " + e.getMessage());
    }
  }

  /** Parses a body that must be a JSON object. */
  static ObjectNode parseObject(byte[] body) {
    JsonNode node = parse(body);
    if (!node.isObject())
      throw ApiException.invalid("the request body must be a JSON object, got " + describe(node));
    return (ObjectNode) node;
  }

  private static String line(JsonProcessingException e) {
    return e.getLocation() == null
        ? "?"
        : e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr();
  }

  /** A short name of a JSON value's type, for error messages. */
  static String describe(JsonNode n) {
    if (n == null || n.isMissingNode()) return "nothing";
    if (n.isNull()) return "null";
    if (n.isBoolean()) return "a boolean (" + n.asText() + ")";
    if (n.isNumber()) return "a number (" + abbreviate(n.asText()) + ")";
    if (n.isTextual()) return "a string (\"" + abbreviate(n.asText()) + "\")";
    if (n.isArray()) return "an array";
    if (n.isObject()) return "an object";
    return n.getNodeType().toString().toLowerCase();
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  static byte[] bytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String string(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
