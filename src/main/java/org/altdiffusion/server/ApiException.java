package org.altdiffusion.server;

import java.util.Map;

/**
 * A request that cannot be served, with the HTTP status and the {@code {error, detail}} body the
 * client gets: {@code error} names the kind of problem, {@code detail} says what was wrong and what
 * is accepted.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String error;
  private final Map<String, String> headers;

  public ApiException(int status, String error, String detail) {
    this(status, error, detail, Map.of());
  }

  public ApiException(int status, String error, String detail, Map<String, String> headers) {
    super(detail);
    this.status = status;
    this.error = error;
    this.headers = Map.copyOf(headers);
  }

  public int status() {
    return status;
  }

  public String error() {
    return error;
  }

  public String detail() {
    return getMessage();
  }

  public Map<String, String> headers() {
    return headers;
  }

  static ApiException badRequest(String detail) {
    return new ApiException(400, "Bad Request", detail);
  }

  static ApiException invalid(String detail) {
    return new ApiException(422, "Unprocessable Entity", detail);
  }

  static ApiException notFound(String error, String detail) {
    return new ApiException(404, error, detail);
  }
}
