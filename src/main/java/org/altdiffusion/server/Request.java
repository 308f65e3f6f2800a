package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import java.util.Map;

/** One HTTP request as handlers see it: its body already read within the size limit. */
record Request(String method, String path, Map<String, String> pathParams, Map<String, String> query, Headers headers, byte[] body) {

  /** The body as a JSON object (400 when malformed, 422 when not an object). */
  ObjectNode jsonObject() {
    return Json.parseObject(body);
  }

  /** The body as a JSON object, or an empty object when there is no body (A1111's optional bodies). */
  ObjectNode jsonObjectOrEmpty() {
    return body.length == 0 ? Json.object() : Json.parseObject(body);
  }

  /** A boolean query parameter ({@code true/false/1/0}), 422 for anything else. */
  boolean queryFlag(String name, boolean def) {
    String v = query.get(name);
    if (v == null) return def;
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off", "" -> false;
      default -> throw ApiException.invalid("query parameter " + name + " must be true or false, got '" + Json.abbreviate(v) + "'");
    };
  }
}
