package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * OpenAI's error shape for the {@code /v1/...} routes: {@code {"error": {"message", "type",
 * "param", "code"}}}. The server's own problems ({@link ApiException}: auth, body size, queue full,
 * job failures) are translated here, so that OpenAI clients see errors in the shape they parse;
 * A1111's 422 for a field of the wrong value is OpenAI's 400.
 */
final class OpenAiJson {
  /** Path prefix of the OpenAI-compatible routes. */
  static final String PREFIX = "/v1/";

  private OpenAiJson() {}

  /** True for paths whose errors are answered in OpenAI's shape. */
  static boolean owns(String path) {
    return path != null && path.startsWith(PREFIX);
  }

  /**
   * A client-facing error of an OpenAI route.
   *
   * @param status HTTP status
   * @param message what was wrong and what is accepted
   * @param type OpenAI's error type (invalid_request_error, server_error, ...)
   * @param param the request field at fault, null when none
   * @param code OpenAI's error code, null when none fits
   */
  record Error(int status, String message, String type, String param, String code) {
    Reply reply(Map<String, String> headers) {
      ObjectNode body = Json.object();
      ObjectNode e = body.putObject("error");
      e.put("message", message);
      e.put("type", type);
      e.put("param", param);
      e.put("code", code);
      return new Reply(status, Reply.JSON, Json.bytes(body), headers, null);
    }
  }

  /** A 400 invalid_request_error naming {@code param}. */
  static OpenAiException invalid(String param, String message) {
    return new OpenAiException(
        new Error(400, message, "invalid_request_error", param, "invalid_value"));
  }

  /** Thrown by the OpenAI handlers; carries the whole error. */
  static final class OpenAiException extends RuntimeException {
    final Error error;

    OpenAiException(Error error) {
      super(error.message());
      this.error = error;
    }
  }

  /** The OpenAI-shaped answer for one of the server's own errors. */
  static Reply error(ApiException e) {
    int status = e.status() == 422 ? 400 : e.status();
    String type = status >= 500 ? "server_error" : "invalid_request_error";
    String code =
        switch (e.status()) {
          case 401 -> "invalid_api_key";
          case 403 -> "forbidden";
          case 404 -> "Model not found".equals(e.error()) ? "model_not_found" : "not_found";
          case 405 -> "method_not_allowed";
          case 409 -> "cancelled";
          case 413 -> "payload_too_large";
          case 415 -> "unsupported_media_type";
          case 503 -> e.detail().contains("queue is full") ? "queue_full" : "unavailable";
          default -> null;
        };
    if (e.status() == 401) type = "authentication_error";
    if (e.status() == 503 && "queue_full".equals(code)) type = "rate_limit_error";
    return new Error(status, e.detail(), type, null, code).reply(e.headers());
  }
}
