package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing generated from the server's own {@code /openapi.json}: for every operation, bodies with
 * each field replaced by values of wrong types, extreme numbers and odd strings, random
 * combinations of those, malformed and random-byte bodies, odd content types, path and query
 * values, other methods and unknown paths. Bounded (fixed seed, fixed count). Every answer must be
 * a status the document lists for that operation, never a 5xx, and every error a JSON {error,
 * detail}; the server must still serve afterwards.
 */
class OpenApiFuzzTest {
  static final long SEED = 20240611L;
  static final int RANDOM_BODIES_PER_OPERATION = 60;

  /** Odd values tried per field (a seeded sample of about 40). */
  static final int VALUES_PER_FIELD = 12;

  /** A 24x16 PNG, base64. */
  static final String SMALL_PNG =
      java.util.Base64.getEncoder()
          .encodeToString(
              org.altdiffusion.image.Png.encode(
                  new java.awt.image.BufferedImage(
                      24, 16, java.awt.image.BufferedImage.TYPE_INT_RGB),
                  null));

  private final Random random = new Random(SEED);
  private final JsonNodeFactory nodes = JsonNodeFactory.instance;
  private final Map<Integer, Integer> statusCounts = new TreeMap<>();
  private final List<String> failures = new ArrayList<>();
  private ApiServer server;
  private int sent;

  @Test
  void noServerErrorsAndOnlyDocumentedStatuses() throws Exception {
    ServerConfig config =
        Servers.config()
            .withQueueCapacity(100_000)
            .withLimits(64, 150, 4, 8)
            .withMaxBodyBytes(1 << 20);
    server = Servers.start(config, new TestModels(0, 16, "m18"));
    try {
      long t0 = System.nanoTime();
      JsonNode doc = Http.get(server.url() + "/openapi.json").json();
      JsonNode schemas = doc.get("components").get("schemas");
      for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields();
          paths.hasNext(); ) {
        Map.Entry<String, JsonNode> path = paths.next();
        for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields();
            ops.hasNext(); ) {
          Map.Entry<String, JsonNode> op = ops.next();
          fuzzOperation(path.getKey(), op.getKey().toUpperCase(), op.getValue(), schemas);
        }
        fuzzOtherMethods(path.getKey(), path.getValue());
      }
      for (int i = 0; i < 40; i++) expectNo5xx("GET", randomPath(), null, null, null);
      rawRequestLines();
      System.out.printf(
          "fuzz: %d requests in %.1f s, statuses %s%n",
          sent, (System.nanoTime() - t0) / 1e9, statusCounts);
      assertTrue(
          failures.isEmpty(),
          failures.size()
              + " bad answers, first ones:\n"
              + String.join("\n", failures.subList(0, Math.min(15, failures.size()))));
      assertEquals(200, Http.get(server.url() + "/sdapi/v1/progress").status());
      assertEquals(200, Http.post(server.url() + "/sdapi/v1/txt2img", "{\"steps\":1}").status());
    } finally {
      server.close();
    }
  }

  private void fuzzOperation(String template, String method, JsonNode op, JsonNode schemas)
      throws Exception {
    Set<Integer> documented = new HashSet<>();
    op.get("responses").fieldNames().forEachRemaining(s -> documented.add(Integer.parseInt(s)));
    String id = op.get("operationId").textValue();
    JsonNode body = op.path("requestBody").path("content").path("application/json").path("schema");
    JsonNode properties = null;
    if (!body.isMissingNode()) {
      String ref = body.get("$ref").textValue();
      properties = schemas.get(ref.substring(ref.lastIndexOf('/') + 1)).path("properties");
    }
    List<String> paths = concretePaths(template);
    if (properties == null) {
      for (String p : paths) {
        for (String q : queries(op)) send(id, method, p + q, null, null, documented);
      }
      if (!method.equals("GET"))
        send(id, method, paths.get(0), randomBytes(200), "application/octet-stream", documented);
      return;
    }
    String path = paths.get(0);
    ObjectNode base = baseline(properties);
    send(id, method, path, bytes(base), "application/json", documented);
    // each field, through every odd value
    for (Iterator<String> names = properties.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      List<JsonNode> odd = oddValues(properties.get(name));
      java.util.Collections.shuffle(odd, random);
      for (JsonNode v : odd.subList(0, Math.min(VALUES_PER_FIELD, odd.size()))) {
        ObjectNode b = base.deepCopy();
        b.set(name, v);
        send(id, method, path, bytes(b), "application/json", documented);
      }
      ObjectNode without = base.deepCopy();
      without.remove(name);
      send(id, method, path, bytes(without), "application/json", documented);
    }
    // random combinations
    List<String> names = new ArrayList<>();
    properties.fieldNames().forEachRemaining(names::add);
    for (int i = 0; i < RANDOM_BODIES_PER_OPERATION && !names.isEmpty(); i++) {
      ObjectNode b = base.deepCopy();
      for (int k = 1 + random.nextInt(5); k > 0; k--) {
        String name = names.get(random.nextInt(names.size()));
        List<JsonNode> odd = oddValues(properties.get(name));
        b.set(name, odd.get(random.nextInt(odd.size())));
      }
      if (random.nextInt(4) == 0) b.put("unknown_" + random.nextInt(100), random.nextInt());
      send(id, method, path, bytes(b), "application/json", documented);
    }
    // malformed bodies and content types
    for (byte[] raw : malformedBodies(base))
      send(id, method, path, raw, "application/json", documented);
    for (String ct :
        List.of(
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=latin1",
            "")) {
      send(id, method, path, bytes(base), ct.isEmpty() ? null : ct, documented);
    }
    for (int i = 0; i < 10; i++)
      send(id, method, path, randomBytes(1 + random.nextInt(3000)), "application/json", documented);
    overLimitBodies(id, method, path, 1 << 20, documented);
  }

  private List<String> queries(JsonNode op) {
    List<String> qs = new ArrayList<>(List.of("", "?x=1", "?a=%25zz", "?" + "q".repeat(5000)));
    for (JsonNode p : op.path("parameters")) {
      if (!p.get("in").textValue().equals("query")) continue;
      String n = p.get("name").textValue();
      for (String v :
          List.of("true", "false", "1", "0", "", "maybe", "%00", "tRuE", "-1", "null", "ÿ")) {
        qs.add("?" + n + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    }
    return qs;
  }

  private List<String> concretePaths(String template) {
    if (!template.contains("{")) return List.of(template);
    List<String> out = new ArrayList<>();
    for (String v :
        List.of(
            "0123456789abcdef0123456789abcdef",
            "x",
            "..",
            "%2e%2e%2fetc%2fpasswd",
            "ABCDEF0123456789ABCDEF0123456789",
            "%00",
            "a".repeat(2000),
            "%E4%B8%80",
            "-1",
            "%7Bid%7D")) {
      out.add(template.replaceAll("\\{[a-z]+}", java.util.regex.Matcher.quoteReplacement(v)));
    }
    return out;
  }

  private ObjectNode baseline(JsonNode properties) {
    ObjectNode b = nodes.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      JsonNode def = p.getValue().get("default");
      if (def != null) b.set(p.getKey(), def);
    }
    if (b.has("steps")) b.put("steps", 2);
    if (properties.has("image"))
      b.put(
          "image",
          "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC");
    // img2img's baseline is a request that runs: one small picture
    if (properties.has("init_images")) b.putArray("init_images").add(SMALL_PNG);
    return b;
  }

  /** Values of every kind, weighted toward the field's own type's edges. */
  private List<JsonNode> oddValues(JsonNode schema) {
    List<JsonNode> v =
        new ArrayList<>(
            List.of(
                nodes.nullNode(),
                nodes.booleanNode(true),
                nodes.booleanNode(false),
                nodes.numberNode(0),
                nodes.numberNode(-1),
                nodes.numberNode(1),
                nodes.numberNode(Integer.MAX_VALUE),
                nodes.numberNode(Long.MIN_VALUE),
                nodes.numberNode(new java.math.BigInteger("123456789012345678901234567890")),
                nodes.numberNode(1e308),
                nodes.numberNode(-1e308),
                nodes.numberNode(1.5),
                nodes.numberNode(4.9e-324),
                nodes.numberNode(new java.math.BigDecimal("1e-400")),
                nodes.textNode(""),
                nodes.textNode("abc"),
                nodes.textNode("１２"),
                nodes.textNode("\u0000"),
                nodes.textNode("NaN"),
                nodes.textNode("Infinity"),
                nodes.textNode("-1"),
                nodes.textNode(" 12 "),
                nodes.textNode("1e999999999"),
                nodes.textNode("0x10"),
                nodes.textNode("🙂".repeat(50)),
                nodes.textNode("x".repeat(25_000)),
                nodes.textNode("../../etc/passwd"),
                nodes.arrayNode(),
                nodes.arrayNode().add(1).add("a"),
                nodes.objectNode(),
                nodes.objectNode().set("sd_model_checkpoint", nodes.textNode("../../x"))));
    if ("array".equals(schema.path("type").asText())) {
      // image lists (init_images): odd pictures
      String truncated = SMALL_PNG.substring(0, 60);
      for (String s :
          List.of(
              "",
              "data:",
              "data:image/png;base64,",
              "data:image/png," + SMALL_PNG,
              "AAAA",
              "http://127.0.0.1/x.png",
              truncated,
              "data:image/png;base64," + SMALL_PNG,
              " " + SMALL_PNG + "\n")) {
        v.add(nodes.arrayNode().add(s));
      }
      v.add(nodes.arrayNode().add(SMALL_PNG).add(5));
      v.add(nodes.arrayNode().addNull());
    }
    JsonNode max = schema.get("maximum");
    JsonNode min = schema.get("minimum");
    if (max != null) {
      v.add(nodes.numberNode(max.asLong()));
      v.add(nodes.numberNode(max.asLong() + 1));
      v.add(nodes.textNode(Long.toString(max.asLong())));
    }
    if (min != null) {
      v.add(nodes.numberNode(min.asLong()));
      v.add(nodes.numberNode(min.asLong() - 1));
    }
    return v;
  }

  private List<byte[]> malformedBodies(ObjectNode base) {
    String ok = base.toString();
    List<String> texts =
        new ArrayList<>(
            List.of(
                "null",
                "[]",
                "1",
                "\"s\"",
                "true",
                "{",
                "}",
                "{\"a\":",
                "{\"prompt\":\"x\",}",
                ok.substring(0, ok.length() / 2),
                ok + " trailing",
                "{\"steps\":1,\"steps\":2}",
                "\uFEFF" + ok,
                "{'prompt':'x'}",
                "{\"steps\":1" + "0".repeat(500) + "}",
                "{\"prompt\":\"\\ud800\"}",
                "{\"prompt\":\"\\u12\"}"));
    texts.add("[".repeat(100_000) + "]".repeat(100_000));
    texts.add("{\"a\":".repeat(20_000) + "1" + "}".repeat(20_000));
    List<byte[]> out = new ArrayList<>();
    for (String t : texts) out.add(t.getBytes(StandardCharsets.UTF_8));
    out.add(new byte[0]);
    out.add(
        new byte[] {
          '{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'
        }); // invalid UTF-8
    return out;
  }

  private void fuzzOtherMethods(String template, JsonNode pathItem) throws Exception {
    String path = concretePaths(template).get(0);
    for (String m : List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")) {
      if (pathItem.has(m.toLowerCase())) continue;
      expectNo5xx(m, path, random.nextBoolean() ? randomBytes(50) : null, "application/json", null);
    }
  }

  private String randomPath() {
    String[] parts = {
      "sdapi",
      "v1",
      "api",
      "jobs",
      "..",
      "%2e",
      "txt2img",
      "x",
      "",
      "%00",
      "web",
      "index.html",
      "app.js",
      "%E2%80%AE"
    };
    StringBuilder b = new StringBuilder();
    for (int i = 1 + random.nextInt(5); i > 0; i--)
      b.append('/').append(parts[random.nextInt(parts.length)]);
    return b.toString();
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] bytes(JsonNode n) {
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void send(
      String operation,
      String method,
      String path,
      byte[] body,
      String contentType,
      Set<Integer> documented)
      throws Exception {
    expectNo5xx(method, path, body, contentType, operation);
    int status = lastStatus;
    if (!documented.contains(status)) {
      failures.add(
          operation
              + " "
              + method
              + " "
              + abbreviate(path)
              + " -> "
              + status
              + " not documented "
              + documented
              + ": "
              + lastBody);
    }
  }

  private int lastStatus;
  private String lastBody;

  private void expectNo5xx(
      String method, String path, byte[] body, String contentType, String operation)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60));
    if (contentType != null && body != null) b.header("Content-Type", contentType);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    long t0 = System.nanoTime();
    HttpResponse<String> r = Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (ms > 1000)
      System.out.println(
          "fuzz: slow answer, "
              + ms
              + " ms "
              + method
              + " "
              + abbreviate(path)
              + " "
              + (body == null
                  ? ""
                  : abbreviate(
                      new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8)))
              + " -> "
              + r.statusCode());
    sent++;
    lastStatus = r.statusCode();
    lastBody = abbreviate(r.body());
    statusCounts.merge(r.statusCode(), 1, Integer::sum);
    if (r.statusCode() >= 500)
      failures.add(method + " " + abbreviate(path) + " -> " + r.statusCode() + ": " + lastBody);
    // A path starting with "//" reads as a URI authority: the JDK's server answers 404 itself, as
    // HTML.
    boolean jdkAnswer = path.startsWith("//") && r.statusCode() == 404;
    if (r.statusCode() >= 400 && !jdkAnswer) {
      try {
        JsonNode j = Http.JSON.readTree(r.body());
        // The OpenAI routes answer in OpenAI's shape: {"error": {"message", "type", ...}}.
        boolean openAi = path.startsWith(OpenAiJson.PREFIX);
        boolean shaped =
            openAi
                ? j.path("error").path("message").isTextual()
                    && !j.path("error").path("message").textValue().isBlank()
                    && j.path("error").path("type").isTextual()
                : j.path("error").isTextual()
                    && j.path("detail").isTextual()
                    && !j.get("detail").textValue().isBlank();
        if (!shaped) {
          failures.add(
              method
                  + " "
                  + abbreviate(path)
                  + " -> "
                  + r.statusCode()
                  + " without {error, detail}: "
                  + lastBody);
        }
      } catch (Exception e) {
        failures.add(
            method + " " + abbreviate(path) + " -> " + r.statusCode() + " not JSON: " + lastBody);
      }
    }
  }

  /**
   * Bodies over the limit, by declared length (answered before reading) and chunked (answered after
   * reading limit + 1 bytes), on a raw socket: an HTTP client library reports the connection closed
   * under a body it is still sending as an error of its own.
   */
  private void overLimitBodies(
      String id, String method, String path, int limit, Set<Integer> documented) throws Exception {
    String declared =
        method
            + " "
            + path
            + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: 1000000000000\r\n"
            + "Connection: close\r\n\r\n"
            + "{}";
    byte[] chunk = new byte[limit + 1];
    java.util.Arrays.fill(chunk, (byte) ' ');
    java.io.ByteArrayOutputStream chunked = new java.io.ByteArrayOutputStream();
    chunked.write(
        (method
                + " "
                + path
                + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n"
                + Integer.toHexString(chunk.length)
                + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    chunked.write(chunk);
    chunked.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    for (byte[] request :
        List.of(declared.getBytes(StandardCharsets.ISO_8859_1), chunked.toByteArray())) {
      int status = rawStatus(request);
      sent++;
      statusCounts.merge(status, 1, Integer::sum);
      if (status != 413) failures.add(id + " over-limit body -> " + status + " (expected 413)");
      else if (!documented.contains(413)) failures.add(id + " 413 not documented");
    }
  }

  private int rawStatus(byte[] request) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(3_000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      String answer =
          new String(socket.getInputStream().readNBytes(64), StandardCharsets.ISO_8859_1);
      String[] parts = answer.split(" ", 3);
      return parts.length >= 2 && parts[1].matches("\\d{3}") ? Integer.parseInt(parts[1]) : -1;
    }
  }

  /**
   * Request lines no HTTP client library would send. The JDK's server refuses some of them itself
   * (a plain-text 400, before any of our code runs); none may get a 5xx or break the server.
   */
  private void rawRequestLines() throws Exception {
    List<String> lines =
        List.of(
            "GET /?%zz HTTP/1.1",
            "GET /sdapi/v1/progress?a=% HTTP/1.1",
            "GET /sdapi/v1/progress?skip_current_image=%ZZ HTTP/1.1",
            "GET /api/v1/jobs/%zz HTTP/1.1",
            "GET /" + "a".repeat(10_000) + " HTTP/1.1",
            "GET sdapi/v1/progress HTTP/1.1",
            "POST /sdapi/v1/txt2img HTTP/1.1",
            "BREW /sdapi/v1/progress HTTP/1.1",
            "GET /sdapi/v1/progress HTTP/9.9",
            "\u0000\u0001 garbage");
    for (String line : lines) {
      String req =
          line + "\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{\"a\"";
      int code;
      try {
        code = rawStatus(req.getBytes(StandardCharsets.ISO_8859_1));
      } catch (java.net.SocketTimeoutException e) {
        System.out.println("fuzz: no answer within 3 s to raw line '" + abbreviate(line) + "'");
        code = -1;
      }
      sent++;
      // -1: no status line (the JDK closed the connection on garbage), which is fine
      if (code > 0) statusCounts.merge(code, 1, Integer::sum);
      if (code >= 500) failures.add("raw '" + abbreviate(line) + "' -> " + code);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 160 ? s : s.substring(0, 160) + "...";
  }
}
