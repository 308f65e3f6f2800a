package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import java.util.Map;

/** One HTTP request as handlers see it: its body already read within the size limit. */
record Request(
    String method,
    String path,
    Map<String, String> pathParams,
    String rawQuery,
    Headers headers,
    byte[] body) {

  /** The body as a JSON object (400 when malformed, 422 when not an object). */
  ObjectNode jsonObject() {
    return Json.parseObject(body);
  }

  /**
   * The body as a JSON object, or an empty object when there is no body (A1111's optional bodies).
   */
  ObjectNode jsonObjectOrEmpty() {
    return body.length == 0 ? Json.object() : Json.parseObject(body);
  }

  /**
   * The query parameters, decoded; parsed only when a handler asks, so that routes without any
   * ignore the query.
   */
  Map<String, String> query() {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) return out;
    if (rawQuery.length() > 4096)
      throw ApiException.badRequest("the query string is longer than 4096 characters");
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      try {
        String k =
            java.net.URLDecoder.decode(
                eq < 0 ? pair : pair.substring(0, eq), java.nio.charset.StandardCharsets.UTF_8);
        String v =
            eq < 0
                ? ""
                : java.net.URLDecoder.decode(
                    pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
        out.put(k, v);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("malformed query string: " + e.getMessage());
      }
    }
    return out;
  }

  /**
   * A boolean query parameter ({@code true/false/1/0/yes/no/on/off}, any case, as FastAPI reads
   * them), 422 for anything else, an empty value included.
   */
  boolean queryFlag(String name, boolean def) {
    String v = query().get(name);
    if (v == null) return def;
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false; // as FastAPI (A1111): an empty value is no answer
      default ->
          throw ApiException.invalid(
              "query parameter "
                  + name
                  + " must be true or false, got '"
                  + Json.abbreviate(v)
                  + "'");
    };
  }
}
