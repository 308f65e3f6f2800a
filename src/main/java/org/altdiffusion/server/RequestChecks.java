package org.altdiffusion.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/**
 * The checks every request passes before its handler: body size, API token, Host (no DNS rebinding
 * without a token), Origin of state-changing requests (no cross-site requests) and the JSON content
 * type.
 */
final class RequestChecks {
  private final ServerConfig config;
  private final boolean loopback;

  /** {@code loopback}: whether the server listens on a loopback address. */
  RequestChecks(ServerConfig config, boolean loopback) {
    this.config = config;
    this.loopback = loopback;
  }

  byte[] readBody(HttpExchange ex) throws IOException {
    long limit = config.maxBodyBytes();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long n;
      try {
        n = Long.parseLong(declared.strip());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest(
            "Content-Length '" + Json.abbreviate(declared) + "' is not a number");
      }
      if (n > limit) throw tooLarge(n);
    }
    byte[] body;
    try {
      // Not closed here: HttpExchange.close() drains what is left of a refused body, within a
      // bound.
      body = ex.getRequestBody().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    } catch (IOException e) {
      throw ApiException.badRequest("the request body could not be read (" + e.getMessage() + ")");
    }
    if (body.length > limit) throw tooLarge(-1);
    return body;
  }

  private ApiException tooLarge(long n) {
    return new ApiException(
        413,
        "Payload Too Large",
        "the request body is "
            + (n >= 0 ? n + " bytes" : "larger than the limit")
            + "; at most "
            + config.maxBodyBytes()
            + " bytes are accepted");
  }

  void checkToken(HttpExchange ex) {
    String token = config.apiToken();
    if (token == null) return;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String given = null;
    if (auth != null) {
      String a = auth.strip();
      if (a.regionMatches(true, 0, "Bearer ", 0, 7)) {
        given = a.substring(7).strip();
      } else if (a.regionMatches(true, 0, "Basic ", 0, 6)) {
        try {
          String pair =
              new String(
                  Base64.getDecoder().decode(a.substring(6).strip()), StandardCharsets.UTF_8);
          int colon = pair.indexOf(':');
          given = colon < 0 ? null : pair.substring(colon + 1);
        } catch (IllegalArgumentException e) {
          given = null;
        }
      }
    }
    Map<String, String> challenge = Map.of("WWW-Authenticate", "Bearer realm=\"altdiffusion\"");
    if (given == null) {
      throw new ApiException(
          401,
          "Unauthorized",
          "this server needs its API token: send 'Authorization: Bearer <token>'",
          challenge);
    }
    if (!MessageDigest.isEqual(
        given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiException(401, "Unauthorized", "wrong API token", challenge);
    }
  }

  /** True when this server must check that requests name it by a loopback host. */
  private boolean loopbackOnly() {
    return config.apiToken() == null && loopback;
  }

  /**
   * Without a token, a loopback server only answers to literal loopback names (see {@link
   * LoopbackHost}): a web page cannot reach it by DNS rebinding.
   */
  void checkHost(HttpExchange ex) {
    if (!loopbackOnly()) return;
    String host = ex.getRequestHeaders().getFirst("Host");
    if (host == null) return; // HTTP/1.0 without Host: not a browser
    if (LoopbackHost.accepts(host, config.host())) return;
    throw new ApiException(
        403,
        "Forbidden",
        "requests for host '"
            + Json.abbreviate(host)
            + "' are refused: without --api-token this server answers only to localhost,"
            + " 127.x.y.z (four decimal numbers) and [::1], with an optional port (protection"
            + " against DNS rebinding); give --api-token to serve other names");
  }

  /**
   * State-changing requests from a browser must come from this server's own page: the Origin must
   * be the Host, and (without a token) a literal loopback name by the same rule as the Host.
   */
  void checkOrigin(HttpExchange ex, String method) {
    if (method.equals("GET") || method.equals("OPTIONS")) return;
    String origin = ex.getRequestHeaders().getFirst("Origin");
    if (origin == null) return;
    String host = ex.getRequestHeaders().getFirst("Host");
    String authority = null;
    try {
      authority = URI.create(origin.strip()).getRawAuthority();
    } catch (IllegalArgumentException ignored) {
      // refused below
    }
    boolean sameHost =
        authority != null && host != null && authority.equalsIgnoreCase(host.strip());
    if (!sameHost || (loopbackOnly() && !LoopbackHost.accepts(authority, config.host()))) {
      throw new ApiException(
          403,
          "Forbidden",
          "cross-origin request from '"
              + Json.abbreviate(origin)
              + "' refused; use this server's own page or a non-browser client");
    }
  }

  static void checkContentType(HttpExchange ex) {
    String ct = ex.getRequestHeaders().getFirst("Content-Type");
    if (ct == null) return;
    String mime = ct.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (mime.equals("application/json") || mime.endsWith("+json")) return;
    throw new ApiException(
        415,
        "Unsupported Media Type",
        "the body must be JSON sent as 'Content-Type: application/json', got '"
            + Json.abbreviate(ct)
            + "'");
  }
}
