package org.altdiffusion.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One endpoint: method, path template ({@code /api/v1/jobs/{id}}), what it takes and answers (for
 * {@code /openapi.json}) and its handler. The router and the OpenAPI document both read this, so
 * the document lists exactly what is served.
 */
final class Route {
  @FunctionalInterface
  interface Handler {
    Reply handle(Request request) throws Exception;
  }

  /** A query or path parameter. */
  record Param(String name, String in, String type, String description) {}

  final String method;
  final String template;
  final String operationId;
  final String summary;
  final String tag;
  private final String[] segments;
  boolean authenticated = true;

  /** Component schema of the JSON body, null when the route takes none. */
  String requestSchema;

  boolean requestRequired;

  /** Media type of the request body: JSON, or multipart/form-data for the OpenAI upload routes. */
  String requestMedia = "application/json";

  /** Media type and component schema (null = free-form) of the 200 answer. */
  String okMediaType = "application/json";

  String okSchema;

  /** The 200 answer is an array of {@link #okSchema}, not one. */
  boolean okArray;

  /** Component schema of error answers: the OpenAI routes answer in OpenAI's shape. */
  String errorSchema = "ErrorResponse";

  int okStatus = 200;
  final List<Param> params = new ArrayList<>();
  final Map<Integer, String> errors = new LinkedHashMap<>();

  /** Other success statuses: status -> component schema. */
  final Map<Integer, String> otherOk = new LinkedHashMap<>();

  Handler handler;

  private Route(String method, String template, String operationId, String summary, String tag) {
    this.method = method;
    this.template = template;
    this.operationId = operationId;
    this.summary = summary;
    this.tag = tag;
    this.segments = template.split("/", -1);
    for (String s : segments) {
      if (s.startsWith("{"))
        params.add(
            new Param(s.substring(1, s.length() - 1), "path", "string", "job id (32 hex digits)"));
    }
  }

  static Route get(String template, String operationId, String summary, String tag) {
    return new Route("GET", template, operationId, summary, tag);
  }

  static Route post(String template, String operationId, String summary, String tag) {
    return new Route("POST", template, operationId, summary, tag);
  }

  static Route delete(String template, String operationId, String summary, String tag) {
    return new Route("DELETE", template, operationId, summary, tag);
  }

  Route body(String schema, boolean required) {
    requestSchema = schema;
    requestRequired = required;
    errors.put(400, "malformed JSON");
    errors.put(413, "body larger than the limit");
    errors.put(415, "a content type other than application/json");
    errors.put(422, "a field of the wrong type or out of range");
    return this;
  }

  /** A required multipart/form-data body (the handler parses it, see {@link Multipart}). */
  Route multipart(String schema) {
    requestSchema = schema;
    requestRequired = true;
    requestMedia = "multipart/form-data";
    errors.put(400, "a malformed multipart body");
    errors.put(413, "body larger than the limit");
    errors.put(415, "a content type other than multipart/form-data");
    return this;
  }

  Route ok(String schema) {
    okSchema = schema;
    return this;
  }

  /** The success answer is a JSON array of {@code itemSchema}. */
  Route okArray(String itemSchema) {
    okSchema = itemSchema;
    okArray = true;
    return this;
  }

  Route ok(int status, String schema) {
    okStatus = status;
    okSchema = schema;
    return this;
  }

  Route alsoOk(int status, String schema) {
    otherOk.put(status, schema);
    return this;
  }

  Route media(String mediaType) {
    okMediaType = mediaType;
    return this;
  }

  Route query(String name, String type, String description) {
    params.add(new Param(name, "query", type, description));
    errors.put(400, "a malformed query string");
    errors.put(422, "a query parameter of the wrong type");
    return this;
  }

  Route error(int status, String when) {
    errors.put(status, when);
    return this;
  }

  Route open() {
    authenticated = false;
    return this;
  }

  Route handler(Handler h) {
    handler = h;
    return this;
  }

  /**
   * Literal (non-parameter) segments of the template: when several templates match a path, the one
   * with the most wins ({@code /api/v1/jobs/img2img} over {@code /api/v1/jobs/{id}}), as OpenAPI
   * says concrete paths are matched before templated ones.
   */
  int literalSegments() {
    int n = 0;
    for (String s : segments) if (!s.startsWith("{")) n++;
    return n;
  }

  /** The path parameters when {@code path} matches this template, else null. */
  Map<String, String> match(String path) {
    String[] parts = path.split("/", -1);
    if (parts.length != segments.length) return null;
    Map<String, String> vars = new LinkedHashMap<>();
    for (int i = 0; i < parts.length; i++) {
      String s = segments[i];
      if (s.startsWith("{")) {
        if (parts[i].isEmpty()) return null;
        vars.put(s.substring(1, s.length() - 1), parts[i]);
      } else if (!s.equals(parts[i])) {
        return null;
      }
    }
    return vars;
  }
}
