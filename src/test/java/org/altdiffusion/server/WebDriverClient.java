package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A minimal W3C WebDriver client for the browser test: starts {@code chromedriver}, opens one
 * headless Chromium session and offers the few commands the test needs (navigate, find, click,
 * type, run a script, allow downloads). Speaks the WebDriver HTTP protocol with java.net.http.
 */
final class WebDriverClient implements AutoCloseable {
  /** The key under which WebDriver returns element references. */
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Process driver;
  private final String base;
  private String session;

  WebDriverClient(Path chromedriver, Path chromium, Path profileDir, Path downloadDir, Path logFile)
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    driver =
        new ProcessBuilder(chromedriver.toString(), "--port=" + port)
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile())
            .start();
    base = "http://127.0.0.1:" + port;
    awaitReady();
    ObjectNode caps = json.createObjectNode();
    ObjectNode always = caps.putObject("capabilities").putObject("alwaysMatch");
    always.put("browserName", "chrome");
    ObjectNode chrome = always.putObject("goog:chromeOptions");
    chrome.put("binary", chromium.toString());
    ArrayNode args = chrome.putArray("args");
    for (String a :
        List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
            "--user-data-dir=" + profileDir)) {
      args.add(a);
    }
    ObjectNode prefs = chrome.putObject("prefs");
    prefs.put("download.default_directory", downloadDir.toString());
    prefs.put("download.prompt_for_download", false);
    JsonNode created = call("POST", "/session", caps);
    session = created.get("sessionId").textValue();
    ObjectNode download = json.createObjectNode();
    download.put("cmd", "Browser.setDownloadBehavior");
    download
        .putObject("params")
        .put("behavior", "allow")
        .put("downloadPath", downloadDir.toString());
    call("POST", "/session/" + session + "/goog/cdp/execute", download);
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!driver.isAlive())
        throw new IllegalStateException("chromedriver exited with " + driver.exitValue());
      try {
        JsonNode s =
            json.readTree(
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body());
        if (s.path("value").path("ready").asBoolean()) return;
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("chromedriver did not become ready");
  }

  void navigate(String url) throws Exception {
    ObjectNode b = json.createObjectNode();
    b.put("url", url);
    call("POST", "/session/" + session + "/url", b);
  }

  /** The element matching a CSS selector. */
  String find(String css) throws Exception {
    ObjectNode b = json.createObjectNode();
    b.put("using", "css selector");
    b.put("value", css);
    return call("POST", "/session/" + session + "/element", b).get(ELEMENT).textValue();
  }

  void click(String element) throws Exception {
    call("POST", "/session/" + session + "/element/" + element + "/click", json.createObjectNode());
  }

  void clear(String element) throws Exception {
    call("POST", "/session/" + session + "/element/" + element + "/clear", json.createObjectNode());
  }

  void type(String element, String text) throws Exception {
    ObjectNode b = json.createObjectNode();
    b.put("text", text);
    call("POST", "/session/" + session + "/element/" + element + "/value", b);
  }

  /**
   * A mouse drag through {@code points} (CSS pixels from the element's centre, as WebDriver's
   * actions count them): pressed at the first, moved through the others, released at the last.
   */
  void drag(String element, int[][] points) throws Exception {
    ObjectNode b = json.createObjectNode();
    ObjectNode pointer = b.putArray("actions").addObject();
    pointer.put("type", "pointer");
    pointer.put("id", "mouse");
    pointer.putObject("parameters").put("pointerType", "mouse");
    var steps = pointer.putArray("actions");
    for (int i = 0; i < points.length; i++) {
      ObjectNode move = steps.addObject();
      move.put("type", "pointerMove");
      move.put("duration", 20);
      move.putObject("origin").put(ELEMENT, element);
      move.put("x", points[i][0]);
      move.put("y", points[i][1]);
      if (i == 0) steps.addObject().put("type", "pointerDown").put("button", 0);
    }
    steps.addObject().put("type", "pointerUp").put("button", 0);
    call("POST", "/session/" + session + "/actions", b);
  }

  /** Runs {@code script} (a function body; use {@code return}) in the page and gives its result. */
  JsonNode script(String script) throws Exception {
    ObjectNode b = json.createObjectNode();
    b.put("script", script);
    b.putArray("args");
    return call("POST", "/session/" + session + "/execute/sync", b);
  }

  /** A PNG of the page as it is now. */
  byte[] screenshot() throws Exception {
    return java.util.Base64.getDecoder()
        .decode(call("GET", "/session/" + session + "/screenshot", null).textValue());
  }

  private JsonNode call(String method, String path, JsonNode body) throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    r.header("Content-Type", "application/json");
    r.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    HttpResponse<String> res = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode answer = json.readTree(res.body());
    if (res.statusCode() != 200)
      throw new IllegalStateException(
          "WebDriver " + method + " " + path + " -> " + res.statusCode() + ": " + res.body());
    return answer.get("value");
  }

  @Override
  public void close() {
    try {
      if (session != null) call("DELETE", "/session/" + session, null);
    } catch (Exception ignored) {
      // the driver is stopped below anyway
    } finally {
      driver.destroy();
      try {
        if (!driver.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) driver.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
