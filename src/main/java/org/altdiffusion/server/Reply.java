package org.altdiffusion.server;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What a handler answers: a status, a body and headers, now, or later for requests that wait for a
 * job (so that a waiting client holds no server thread).
 */
record Reply(
    int status,
    String contentType,
    byte[] body,
    Map<String, String> headers,
    CompletableFuture<Reply> later) {
  static final String JSON = "application/json; charset=utf-8";

  static Reply json(int status, Object value) {
    return new Reply(status, JSON, Json.bytes(value), Map.of(), null);
  }

  static Reply json(Object value) {
    return json(200, value);
  }

  static Reply error(ApiException e) {
    var body = Json.object();
    body.put("error", e.error());
    body.put("detail", e.detail());
    return new Reply(e.status(), JSON, Json.bytes(body), e.headers(), null);
  }

  static Reply bytes(String contentType, byte[] body) {
    return new Reply(200, contentType, body, Map.of(), null);
  }

  static Reply text(String contentType, String body) {
    return bytes(contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  static Reply later(CompletableFuture<Reply> later) {
    return new Reply(0, null, null, Map.of(), later);
  }

  Reply withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new Reply(status, contentType, body, h, later);
  }
}
