package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /openapi.json} tells the truth: every documented GET (and the main POSTs) answers what its
 * schema declares; the request schemas accept exactly the bodies the parser accepts (limits and
 * rules across fields included); a literal path is never taken for a template's parameter.
 */
class ApiServerOpenApiTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static ApiServer server;
  private static JsonNode doc;
  private static SchemaValidator validator;

  @BeforeAll
  static void start() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 16, "m18", "other-model"));
    doc = Http.get(server.url() + "/openapi.json").json();
    validator = new SchemaValidator(doc);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static JsonNode schemaOf(String path, String method, String status) {
    JsonNode content = doc.get("paths").get(path).get(method).get("responses").get(status);
    assertNotNull(content, method + " " + path + " documents no " + status);
    return content.get("content");
  }

  private static String finishedJob() throws Exception {
    Http.Res sub = Http.post(server.url() + "/api/v1/jobs", "{\"prompt\":\"x\",\"steps\":2}");
    assertEquals(202, sub.status(), sub.body());
    String id = sub.json().get("id").textValue();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!Http.get(server.url() + "/api/v1/jobs/" + id)
        .json()
        .get("status")
        .textValue()
        .equals("succeeded")) {
      assertTrue(System.nanoTime() < deadline, "job did not finish");
      Thread.sleep(10);
    }
    return id;
  }

  @Test
  void everyDocumentedGetAnswersWhatItsSchemaDeclares() throws Exception {
    String id = finishedJob();
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.get("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> path = it.next();
      if (!path.getValue().has("get")) continue;
      String template = path.getKey();
      // the OpenAI routes with a path parameter (a model id, a picture's file) have their own tests
      if (template.startsWith("/v1/") && template.contains("{")) continue;
      String url = server.url() + template.replace("{id}", id);
      for (String query : template.contains("{id}") ? List.of("", "?preview=true") : List.of("")) {
        Http.Res r = Http.get(url + query);
        assertEquals(200, r.status(), "GET " + template + query + ": " + r.body());
        JsonNode content = schemaOf(template, "get", "200");
        String media = content.fieldNames().next();
        String type = r.headers().firstValue("Content-Type").orElse("");
        assertTrue(type.startsWith(media), template + ": declared " + media + ", sent " + type);
        JsonNode schema = content.get(media).get("schema");
        if (media.equals("application/json")) {
          List<String> p = validator.problems(r.json(), schema);
          if (!p.isEmpty()) wrong.add("GET " + template + query + ": " + p);
        } else {
          assertEquals("string", schema.get("type").textValue(), template);
        }
        checked++;
      }
    }
    assertTrue(checked >= 14, "GET endpoints checked: " + checked);
    assertTrue(
        wrong.isEmpty(), "answers that contradict /openapi.json:\n" + String.join("\n", wrong));
    for (String list : List.of("/sdapi/v1/samplers", "/sdapi/v1/schedulers", "/sdapi/v1/sd-models"))
      assertEquals(
          "array",
          schemaOf(list, "get", "200").get("application/json").get("schema").get("type").asText(),
          list);
  }

  @Test
  void postAnswersMatchTheirSchemasToo() throws Exception {
    List<String> wrong = new ArrayList<>();
    Map<String, String[]> posts = new LinkedHashMap<>();
    posts.put("/sdapi/v1/txt2img", new String[] {"{\"steps\":2,\"batch_size\":2}", "200"});
    posts.put(
        "/sdapi/v1/img2img",
        new String[] {
          "{\"steps\":2,\"init_images\":[\"" + OpenApiFuzzTest.SMALL_PNG + "\"]}", "200"
        });
    posts.put("/api/v1/jobs", new String[] {"{\"steps\":2}", "202"});
    posts.put(
        "/api/v1/jobs/img2img",
        new String[] {"{\"init_images\":[\"" + OpenApiFuzzTest.SMALL_PNG + "\"]}", "202"});
    posts.put(
        "/sdapi/v1/png-info",
        new String[] {"{\"image\":\"" + OpenApiFuzzTest.SMALL_PNG + "\"}", "200"});
    posts.put("/sdapi/v1/options", new String[] {"{\"sd_model_checkpoint\":\"m18\"}", "200"});
    for (Map.Entry<String, String[]> p : posts.entrySet()) {
      Http.Res r = Http.post(server.url() + p.getKey(), p.getValue()[0]);
      assertEquals(Integer.parseInt(p.getValue()[1]), r.status(), p.getKey() + ": " + r.body());
      JsonNode schema =
          schemaOf(p.getKey(), "post", p.getValue()[1]).get("application/json").get("schema");
      List<String> problems = validator.problems(r.json(), schema);
      if (!problems.isEmpty()) wrong.add("POST " + p.getKey() + ": " + problems);
    }
    assertTrue(wrong.isEmpty(), String.join("\n", wrong));
  }

  @Test
  void aLiteralPathIsNotATemplateParameter() throws Exception {
    Http.Res options = options("/api/v1/jobs/img2img");
    assertEquals(204, options.status());
    assertEquals("POST", options.headers().firstValue("Allow").orElse(""));
    Http.Res get = Http.get(server.url() + "/api/v1/jobs/img2img");
    assertEquals(405, get.status(), get.body());
    assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
    assertTrue(get.json().get("detail").textValue().contains("allowed: POST"), get.body());
    assertEquals(405, Http.delete(server.url() + "/api/v1/jobs/img2img").status());
    Http.Res job = options("/api/v1/jobs/0123456789abcdef0123456789abcdef");
    assertEquals("GET, DELETE", job.headers().firstValue("Allow").orElse(""));
    assertEquals("POST", options("/api/v1/jobs").headers().firstValue("Allow").orElse(""));
  }

  @Test
  void securityIsDeclaredOnlyWhereATokenIsAsked() throws Exception {
    JsonNode txt2img = doc.get("paths").get("/sdapi/v1/txt2img").get("post");
    assertFalse(txt2img.has("security"), "this server has no token");
    assertFalse(txt2img.get("responses").has("401"));
    String token = "openapi-test-token";
    ApiServer secured =
        Servers.start(Servers.config().withApiToken(token), new TestModels(0, 16, "m18"));
    try {
      JsonNode d = Http.get(secured.url() + "/openapi.json").json();
      JsonNode op = d.get("paths").get("/sdapi/v1/txt2img").get("post");
      assertTrue(op.has("security") && op.get("responses").has("401"), op.toString());
      JsonNode page = d.get("paths").get("/").get("get");
      assertFalse(page.has("security"), "the page is served without the token");
      Http.Res refused = Http.post(secured.url() + "/sdapi/v1/txt2img", "{}");
      assertEquals(401, refused.status());
    } finally {
      secured.close();
    }
  }

  private static Http.Res options(String path) throws Exception {
    return Http.send(
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .build());
  }

  // ------------------------------------------------------------ request schemas vs the parser

  @Test
  void txt2imgSchemaAcceptsExactlyWhatTheServerAccepts() {
    ServerConfig config = Servers.config();
    checkAgreement(
        "StableDiffusionProcessingTxt2Img",
        NODES.objectNode(),
        body -> Txt2ImgRequest.parse(body, config));
  }

  @Test
  void img2imgSchemaAcceptsExactlyWhatTheServerAccepts() {
    ServerConfig config = Servers.config();
    ObjectNode base = NODES.objectNode();
    base.putArray("init_images").add(OpenApiFuzzTest.SMALL_PNG);
    checkAgreement(
        "StableDiffusionProcessingImg2Img", base, body -> Img2ImgRequest.parse(body, config));
  }

  private void checkAgreement(
      String schemaName, ObjectNode base, Function<ObjectNode, Txt2ImgRequest> parser) {
    JsonNode schema = doc.get("components").get("schemas").get(schemaName);
    JsonNode props = schema.get("properties");
    Map<String, List<JsonNode>> values = new LinkedHashMap<>();
    props
        .fields()
        .forEachRemaining(p -> values.put(p.getKey(), candidates(p.getKey(), p.getValue())));
    List<ObjectNode> bodies = new ArrayList<>();
    bodies.add(base.deepCopy());
    // each field through its candidates, and absent
    values.forEach(
        (name, vs) -> {
          for (JsonNode v : vs) bodies.add(with(base, name, v));
          ObjectNode without = base.deepCopy();
          without.remove(name);
          bodies.add(without);
        });
    // the rules across fields, on grids around their edges
    long max = Txt2ImgRequest.MAX_SEED;
    List<JsonNode> batches = numbers(null, 1, 2, 3, 5, 8, 9);
    List<JsonNode> iters = numbers(null, 1, 2, 3, 5, 6, 8, 16, 17);
    List<JsonNode> seeds =
        numbers(null, -1, 0, 12345, max - 20, max - 16, max - 15, max - 9, max - 1, max);
    for (JsonNode b : batches)
      for (JsonNode n : iters)
        for (JsonNode s : seeds)
          bodies.add(with(with(with(base, "batch_size", b), "n_iter", n), "seed", s));
    if (props.has("init_images")) {
      List<JsonNode> steps = numbers(null, 1, 2, 3, 7, 49, 50, 51, 149, 150);
      List<JsonNode> strengths = new ArrayList<>(numbers(null, 0, 1));
      for (double d : new double[] {0.01, 0.02, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0 / 3, 1.0 / 7, 0.99})
        strengths.add(NODES.numberNode(d));
      for (int s : new int[] {1, 2, 3, 7, 49, 50, 51, 149, 150}) {
        double least = Img2ImgRequest.leastStrength(s);
        strengths.add(NODES.numberNode(least));
        strengths.add(NODES.numberNode(Math.nextDown(least)));
        strengths.add(NODES.numberNode(1.0 / s));
      }
      for (JsonNode st : steps)
        for (JsonNode d : strengths)
          bodies.add(with(with(base, "steps", st), "denoising_strength", d));
    }
    if (props.has("mask")) {
      // inpainting's rules: with a mask, inpainting_fill not 0 and (without mask_blur) equal blurs
      List<JsonNode> masks = new ArrayList<>();
      masks.add(null);
      masks.add(NODES.nullNode());
      masks.add(NODES.textNode(" "));
      masks.add(NODES.textNode(OpenApiFuzzTest.SMALL_PNG));
      for (JsonNode m : masks)
        for (JsonNode blur : numbers(null, 0, 8))
          for (JsonNode x : numbers(null, 0, 4, 5))
            for (JsonNode y : numbers(null, 4, 5))
              for (JsonNode fill : numbers(null, 0, 1, 2, 3))
                bodies.add(
                    with(
                        with(
                            with(with(with(base, "mask", m), "mask_blur", blur), "mask_blur_x", x),
                            "mask_blur_y",
                            y),
                        "inpainting_fill",
                        fill));
      for (JsonNode m : masks)
        for (JsonNode fill : numbers(null, 0, 1, 2, 3))
          for (JsonNode st :
              List.of(NODES.numberNode(0.5), NODES.numberNode(1.0), NODES.nullNode()))
            bodies.add(
                with(
                    with(with(base, "mask", m), "inpainting_fill", fill),
                    "denoising_strength",
                    st));
    }
    // random combinations
    Random random = new Random(20240612L);
    List<String> names = new ArrayList<>(values.keySet());
    for (int i = 0; i < 3000; i++) {
      ObjectNode b = base.deepCopy();
      for (int k = 1 + random.nextInt(5); k > 0; k--) {
        String name = names.get(random.nextInt(names.size()));
        List<JsonNode> vs = values.get(name);
        b.set(name, vs.get(random.nextInt(vs.size())));
      }
      bodies.add(b);
    }

    List<String> disagreements = new ArrayList<>();
    int accepted = 0;
    for (ObjectNode body : bodies) {
      List<String> problems = validator.problems(body, schema);
      String refusal = null;
      try {
        parser.apply(body.deepCopy());
      } catch (ApiException e) {
        assertTrue(e.status() >= 400 && e.status() < 500, e.status() + " " + e.detail());
        refusal = e.status() + " " + e.detail();
      }
      if (refusal == null) accepted++;
      if (problems.isEmpty() != (refusal == null)) {
        disagreements.add(
            (refusal == null
                    ? "server accepts, schema refuses " + problems
                    : "schema accepts, server refuses: " + refusal)
                + "  body "
                + abbreviate(body.toString()));
      }
    }
    System.out.printf(
        "%s: %d bodies, %d accepted, %d disagreements%n",
        schemaName, bodies.size(), accepted, disagreements.size());
    assertTrue(accepted > 100 && accepted < bodies.size() - 100, "a mix of good and bad bodies");
    assertTrue(
        disagreements.isEmpty(),
        disagreements.size()
            + " bodies where /openapi.json and the server disagree, first:\n"
            + String.join("\n", disagreements.subList(0, Math.min(20, disagreements.size()))));
  }

  /** Values of the field's own JSON type (and null) around its documented edges. */
  private static List<JsonNode> candidates(String name, JsonNode s) {
    List<JsonNode> out = new ArrayList<>();
    out.add(NODES.nullNode());
    switch (s.path("type").asText()) {
      case "integer" -> {
        long min = s.get("minimum").asLong();
        long max = s.has("maximum") ? s.get("maximum").asLong() : min + 100;
        for (long v :
            new long[] {
              min - 1,
              min,
              min + 1,
              max - 1,
              max,
              max + 1,
              (min + max) / 2,
              0,
              1,
              2,
              3,
              7,
              8,
              9,
              12,
              16,
              17,
              64,
              100,
              150,
              151,
              504,
              505,
              512,
              520
            }) out.add(NODES.numberNode(v));
      }
      case "number" -> {
        double min = s.get("minimum").asDouble();
        double max = s.get("maximum").asDouble();
        for (double v :
            new double[] {
              min - 0.001, min, min + 0.01, 0.5, 1, 1.0 / 3, max - 0.01, max, max + 0.001, 7.5
            }) out.add(NODES.numberNode(v));
      }
      case "string" -> {
        // whether a mask is a picture is for the decoder, not the schema (a 422 documented)
        List<String> texts =
            name.equals("mask")
                ? List.of("", " ", " \t\r\n", OpenApiFuzzTest.SMALL_PNG)
                : List.of("", " ", " \t\r\n", "\u00a0", "\u3000", "x", " x ", "一只猫");
        for (String v : texts) out.add(NODES.textNode(v));
        if (s.has("maxLength")) {
          int n = s.get("maxLength").asInt();
          out.add(NODES.textNode("a".repeat(n)));
          out.add(NODES.textNode("a".repeat(n + 1)));
          out.add(NODES.textNode("🙂".repeat(n)));
          out.add(NODES.textNode("🙂".repeat(n + 1)));
        }
      }
      case "boolean" -> {
        out.add(NODES.booleanNode(true));
        out.add(NODES.booleanNode(false));
      }
      case "array" -> {
        out.add(NODES.arrayNode());
        out.add(NODES.arrayNode().add(1));
        // whether a string is a picture is for the decoder, not the schema (a 422 documented)
        if (!name.equals("init_images")) out.add(NODES.arrayNode().add("a"));
        else {
          out.add(NODES.arrayNode().add(OpenApiFuzzTest.SMALL_PNG));
          out.add(NODES.arrayNode().add(OpenApiFuzzTest.SMALL_PNG).add(OpenApiFuzzTest.SMALL_PNG));
          out.add(NODES.arrayNode().add(OpenApiFuzzTest.SMALL_PNG).add(5));
          out.add(NODES.arrayNode().add(OpenApiFuzzTest.SMALL_PNG).addNull());
          out.add(NODES.arrayNode().add(OpenApiFuzzTest.SMALL_PNG).add(""));
        }
      }
      case "object" -> {
        out.add(NODES.objectNode());
        out.add(NODES.objectNode().put("a", 1));
        out.add(NODES.objectNode().put("sd_model_checkpoint", "m18"));
        out.add(NODES.objectNode().put("sd_model_checkpoint", ""));
        out.add(NODES.objectNode().put("sd_model_checkpoint", 5));
        out.add(NODES.objectNode().putNull("sd_model_checkpoint"));
      }
      default -> fail(name + ": type " + s.path("type"));
    }
    return out;
  }

  private static List<JsonNode> numbers(Object... vs) {
    List<JsonNode> out = new ArrayList<>();
    out.add(null); // absent
    for (Object v : vs)
      out.add(
          v == null
              ? NODES.nullNode()
              : v instanceof Long l ? NODES.numberNode(l) : NODES.numberNode((Integer) v));
    return out;
  }

  private static ObjectNode with(ObjectNode base, String name, JsonNode v) {
    ObjectNode b = base.deepCopy();
    if (v == null) b.remove(name);
    else b.set(name, v);
    return b;
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
