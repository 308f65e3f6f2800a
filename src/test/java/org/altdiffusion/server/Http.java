package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Small HTTP helper for the server tests. */
final class Http {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  record Res(int status, String body, java.net.http.HttpHeaders headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }
  }

  static Res get(String url) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url)).GET().timeout(Duration.ofSeconds(30)).build());
  }

  static Res post(String url, String json) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .timeout(Duration.ofSeconds(60))
            .build());
  }

  static Res delete(String url) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url)).DELETE().timeout(Duration.ofSeconds(30)).build());
  }

  static Res send(HttpRequest r) throws Exception {
    HttpResponse<String> res = CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
    return new Res(res.statusCode(), res.body(), res.headers());
  }
}
