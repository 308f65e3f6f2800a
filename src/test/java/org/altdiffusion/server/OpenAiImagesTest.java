package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.image.Png;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAI images API against the test double generator. */
class OpenAiImagesTest {
  private ApiServer server;
  private String token;
  @TempDir Path temp;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private void start(ServerConfig config, TestModels models) throws Exception {
    token = config.apiToken();
    server = Servers.start(config, models);
  }

  private void start() throws Exception {
    start(Servers.config(), new TestModels(0, 64, "m18", "m9"));
  }

  private String url(String path) {
    return server.url() + path;
  }

  private HttpRequest.Builder req(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(60));
    if (token != null) b.header("Authorization", "Bearer " + token);
    return b;
  }

  private Http.Res postJson(String path, String json) throws Exception {
    return Http.send(
        req(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private Http.Res get(String path) throws Exception {
    return Http.send(req(path).GET().build());
  }

  private Http.Res postForm(String path, Form form) throws Exception {
    return Http.send(
        req(path)
            .header("Content-Type", "multipart/form-data; boundary=" + Form.BOUNDARY)
            .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes()))
            .build());
  }

  /** A multipart/form-data body. */
  static final class Form {
    static final String BOUNDARY = "----altdiffusion-test-7f3a";
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Form field(String name, String value) {
      write(
          "--"
              + BOUNDARY
              + "\r\nContent-Disposition: form-data; name=\""
              + name
              + "\"\r\n\r\n"
              + value
              + "\r\n");
      return this;
    }

    Form file(String name, String filename, String type, byte[] data) {
      write(
          "--"
              + BOUNDARY
              + "\r\nContent-Disposition: form-data; name=\""
              + name
              + "\"; filename=\""
              + filename
              + "\"\r\nContent-Type: "
              + type
              + "\r\n\r\n");
      out.writeBytes(data);
      write("\r\n");
      return this;
    }

    byte[] bytes() {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(out.toByteArray());
      b.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
      return b.toByteArray();
    }

    private void write(String s) {
      out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
  }

  static byte[] png(int w, int h, int rgb) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
    return Png.encode(img, null);
  }

  private static BufferedImage image(byte[] png) throws Exception {
    return ImageIO.read(new java.io.ByteArrayInputStream(png));
  }

  private static BufferedImage b64Image(JsonNode item) throws Exception {
    return image(Base64.getDecoder().decode(item.get("b64_json").textValue()));
  }

  private static int steps(JsonNode item) {
    String info =
        PngInfo.read(ImageInput.decode("x", item.get("b64_json").textValue()))
            .get("info")
            .textValue();
    var m = java.util.regex.Pattern.compile("Steps: (\\d+)").matcher(info);
    assertTrue(m.find(), info);
    return Integer.parseInt(m.group(1));
  }

  /** Asserts OpenAI's error shape, the status, the param and a part of the message. */
  private static JsonNode assertOpenAiError(
      Http.Res r, int status, String param, String messagePart) {
    assertEquals(status, r.status(), r.body());
    JsonNode e = r.json().get("error");
    assertTrue(e != null && e.isObject(), r.body());
    assertTrue(e.get("message").isTextual(), r.body());
    assertTrue(e.get("type").isTextual(), r.body());
    assertTrue(e.has("param") && e.has("code"), r.body());
    assertEquals(1, r.json().size(), "only 'error' at the top: " + r.body());
    if (param == null) assertTrue(e.get("param").isNull(), r.body());
    else assertEquals(param, e.get("param").textValue(), r.body());
    assertTrue(
        e.get("message").textValue().contains(messagePart),
        "message should mention '" + messagePart + "': " + r.body());
    return e;
  }

  // ---------------------------------------------------------------- generations

  @Test
  void generationsAnswerInOpenAiShape() throws Exception {
    start();
    long before = Instant.now().getEpochSecond();
    Http.Res r =
        postJson(
            "/v1/images/generations",
            "{\"prompt\":\"一只猫\",\"n\":2,\"size\":\"64x48\",\"seed\":5,\"steps\":3,"
                + "\"model\":\"dall-e-3\",\"style\":\"vivid\",\"user\":\"u1\","
                + "\"safety_identifier\":\"h\",\"quality\":\"auto\",\"moderation\":\"low\","
                + "\"response_format\":\"b64_json\",\"negative_prompt\":\"dog\","
                + "\"sampler\":\"Euler\",\"guidance\":5.5}");
    assertEquals(200, r.status(), r.body());
    JsonNode j = r.json();
    assertTrue(j.get("created").asLong() >= before && j.get("created").isIntegralNumber());
    assertEquals(2, j.get("data").size());
    for (JsonNode item : j.get("data")) {
      BufferedImage img = b64Image(item);
      assertEquals(64, img.getWidth());
      assertEquals(48, img.getHeight());
      assertEquals(3, steps(item));
      String info =
          PngInfo.read(ImageInput.decode("x", item.get("b64_json").textValue()))
              .get("info")
              .textValue();
      assertTrue(info.contains("Negative prompt: dog"), info);
      assertTrue(info.contains("CFG scale: 5.5"), info);
    }
    assertTrue(steps(j.get("data").get(0)) > 0);
    // the same seed makes the same first picture
    Http.Res again =
        postJson(
            "/v1/images/generations",
            "{\"prompt\":\"一只猫\",\"size\":\"64x48\",\"seed\":5,\"steps\":3,"
                + "\"negative_prompt\":\"dog\",\"sampler\":\"Euler\",\"guidance\":5.5}");
    assertEquals(
        j.get("data").get(0).get("b64_json").textValue(),
        again.json().get("data").get(0).get("b64_json").textValue());
  }

  @Test
  void sizeAutoQualityAndModels() throws Exception {
    TestModels models = new TestModels(0, 40, "m18", "m9");
    start(Servers.config(), models);
    // absent size / auto = the model's native size; absent response_format = b64_json
    Http.Res r = postJson("/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"auto\"}");
    assertEquals(200, r.status(), r.body());
    JsonNode item = r.json().get("data").get(0);
    assertEquals(40, b64Image(item).getWidth());
    assertEquals(OpenAiImages.STEPS_STANDARD, steps(item));
    r = postJson("/v1/images/generations", "{\"prompt\":\"x\",\"quality\":\"hd\"}");
    assertEquals(OpenAiImages.STEPS_HIGH, steps(r.json().get("data").get(0)));
    r = postJson("/v1/images/generations", "{\"prompt\":\"x\",\"quality\":\"low\"}");
    assertEquals(OpenAiImages.STEPS_LOW, steps(r.json().get("data").get(0)));
    r = postJson("/v1/images/generations", "{\"prompt\":\"x\",\"quality\":\"high\",\"steps\":4}");
    assertEquals(4, steps(r.json().get("data").get(0)));
    // OpenAI names are the current model; ours select one
    r = postJson("/v1/images/generations", "{\"prompt\":\"x\",\"model\":\"gpt-image-1\"}");
    assertEquals(200, r.status(), r.body());
    assertEquals(1, models.loaded.size());
    r = postJson("/v1/images/generations", "{\"prompt\":\"x\",\"steps\":2,\"model\":\"m9\"}");
    assertEquals(200, r.status(), r.body());
    assertEquals("m9", models.loaded.get(models.loaded.size() - 1).modelName());
    JsonNode e =
        assertOpenAiError(
            postJson("/v1/images/generations", "{\"prompt\":\"x\",\"model\":\"nope\"}"),
            404,
            "model",
            "m18, m9");
    assertEquals("model_not_found", e.get("code").textValue());
  }

  @Test
  void generationsRefuseBadFields() throws Exception {
    start();
    String g = "/v1/images/generations";
    assertOpenAiError(postJson(g, "{\"n\":1}"), 400, "prompt", "prompt is required");
    assertOpenAiError(postJson(g, "{\"prompt\":\"  \"}"), 400, "prompt", "prompt is required");
    assertOpenAiError(postJson(g, "{\"prompt\":7}"), 400, "prompt", "must be a string");
    assertOpenAiError(postJson(g, "{\"prompt\":\"x\",\"size\":\"64\"}"), 400, "size", "WIDTHx");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"size\":\"60x64\"}"), 400, "size", "multiple of 8");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"size\":\"1024x1024\"}"), 400, "size", "to 512");
    assertOpenAiError(postJson(g, "{\"prompt\":\"x\",\"n\":0}"), 400, "n", "from 1 to 8");
    assertOpenAiError(postJson(g, "{\"prompt\":\"x\",\"n\":9}"), 400, "n", "from 1 to 8");
    assertOpenAiError(postJson(g, "{\"prompt\":\"x\",\"n\":1.5}"), 400, "n", "integer");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"response_format\":\"xml\"}"),
        400,
        "response_format",
        "b64_json");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"response_format\":\"url\"}"),
        400,
        "response_format",
        "--output");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"quality\":\"ultra\"}"), 400, "quality", "hd");
    assertOpenAiError(postJson(g, "{\"prompt\":\"x\",\"style\":\"odd\"}"), 400, "style", "vivid");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"background\":\"transparent\"}"),
        400,
        "background",
        "transparent");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"output_format\":\"jpeg\"}"), 400, "output_format", "png");
    assertOpenAiError(postJson(g, "{\"prompt\":\"x\",\"steps\":151}"), 400, "steps", "1 to 150");
    assertOpenAiError(postJson(g, "{\"prompt\":\"x\",\"seed\":-2}"), 400, "seed", "from -1");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"guidance\":\"high\"}"), 400, "guidance", "number");
    assertOpenAiError(
        postJson(g, "{\"prompt\":\"x\",\"stream\":true}"), 400, "stream", "unrecognized");
    // the server's own checks, in OpenAI's shape: unknown sampler, malformed JSON, content type
    JsonNode e =
        assertOpenAiError(
            postJson(g, "{\"prompt\":\"x\",\"sampler\":\"nope\"}"), 404, null, "nope");
    assertEquals("invalid_request_error", e.get("type").textValue());
    assertOpenAiError(postJson(g, "{oops"), 400, null, "malformed JSON");
    assertOpenAiError(postJson(g, "[1]"), 400, null, "JSON object");
    assertOpenAiError(
        Http.send(
            req(g)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"x\"}"))
                .build()),
        415,
        null,
        "application/json");
    // unknown routes and methods under /v1/ answer in OpenAI's shape too
    assertOpenAiError(get("/v1/chat/completions"), 404, null, "no endpoint");
    e = assertOpenAiError(get(g), 405, null, "POST");
    assertEquals("method_not_allowed", e.get("code").textValue());
  }

  @Test
  void tooLargeBodiesAndAFullQueue() throws Exception {
    start(
        Servers.config().withMaxBodyBytes(4096).withQueueCapacity(0),
        new TestModels(20, 64, "m18"));
    assertOpenAiError(
        postJson("/v1/images/generations", "{\"prompt\":\"" + "x".repeat(5000) + "\"}"),
        413,
        null,
        "4096");
    assertOpenAiError(
        postForm(
            "/v1/images/edits",
            new Form().field("prompt", "x").file("image", "a.png", "image/png", new byte[5000])),
        413,
        null,
        "4096");
    // one job running and no room to wait: 503 with Retry-After
    Http.Res running =
        postJson("/api/v1/jobs", "{\"prompt\":\"slow\",\"steps\":150,\"width\":8,\"height\":8}");
    assertEquals(202, running.status(), running.body());
    JsonNode e =
        assertOpenAiError(
            postJson("/v1/images/generations", "{\"prompt\":\"x\"}"), 503, null, "queue is full");
    assertEquals("queue_full", e.get("code").textValue());
    Http.Res again = postJson("/v1/images/generations", "{\"prompt\":\"x\"}");
    assertTrue(again.headers().firstValue("Retry-After").isPresent());
    Http.send(req("/api/v1/jobs/" + running.json().get("id").textValue()).DELETE().build());
  }

  // ---------------------------------------------------------------- url answers

  @Test
  void urlAnswersAreUnguessableFilesServedWithTheToken() throws Exception {
    Path out = temp.resolve("out");
    start(Servers.config().withOutputDir(out).withApiToken("s3cret"), new TestModels(0, 64, "m18"));
    Http.Res r =
        postJson(
            "/v1/images/generations",
            "{\"prompt\":\"x\",\"n\":2,\"steps\":2,\"size\":\"32x32\",\"response_format\":\"url\"}");
    assertEquals(200, r.status(), r.body());
    List<String> names = new ArrayList<>();
    for (JsonNode item : r.json().get("data")) {
      assertTrue(!item.has("b64_json"), r.body());
      String u = item.get("url").textValue();
      assertTrue(u.matches("http://127\\.0\\.0\\.1:\\d+/v1/images/files/[0-9a-f]{32}\\.png"), u);
      String name = u.substring(u.lastIndexOf('/') + 1);
      names.add(name);
      byte[] saved = Files.readAllBytes(out.resolve("openai").resolve(name));
      Http.Res file = Http.send(req(URI.create(u).getPath()).GET().build());
      assertEquals(200, file.status());
      assertEquals("image/png", file.headers().firstValue("Content-Type").orElse(""));
      var bytes =
          Http.CLIENT
              .send(
                  req(URI.create(u).getPath()).GET().build(),
                  java.net.http.HttpResponse.BodyHandlers.ofByteArray())
              .body();
      assertArrayEquals(saved, bytes);
      assertEquals(32, image(bytes).getWidth());
      // without the token: 401 in OpenAI's shape
      Http.Res anonymous = Http.get(u);
      JsonNode e = assertOpenAiError(anonymous, 401, null, "token");
      assertEquals("invalid_api_key", e.get("code").textValue());
    }
    assertNotEquals(names.get(0), names.get(1));
    // unknown names, other shapes and traversal attempts: 404, nothing read
    Files.writeString(out.resolve("secret.png"), "not for clients");
    // only names the server gave are served, even for files that sit in its folder
    Files.writeString(out.resolve("openai").resolve("secret.png"), "not for clients");
    Files.writeString(out.resolve("openai").resolve("notes.txt"), "not for clients");
    for (String bad :
        List.of(
            "0123456789abcdef0123456789abcdef.png",
            names.get(0).toUpperCase(),
            names.get(0).replace(".png", ""),
            "..%2Fsecret.png",
            "%2e%2e%2fsecret.png",
            "secret.png",
            "notes.txt",
            "..",
            names.get(0) + "%00")) {
      Http.Res res = get("/v1/images/files/" + bad);
      assertEquals(404, res.status(), bad + ": " + res.body());
      assertTrue(res.json().has("error"), res.body());
    }
    assertEquals(404, get("/v1/images/files/../secret.png").status());
  }

  // ---------------------------------------------------------------- models and auth

  @Test
  void modelsAreListedInOpenAiShapeBehindTheToken() throws Exception {
    start(Servers.config().withApiToken("tok"), new TestModels(0, 64, "m18", "m9"));
    Http.Res r = get("/v1/models");
    assertEquals(200, r.status(), r.body());
    JsonNode j = r.json();
    assertEquals("list", j.get("object").textValue());
    assertEquals(2, j.get("data").size());
    assertEquals("m18", j.get("data").get(0).get("id").textValue());
    for (JsonNode m : j.get("data")) {
      assertEquals("model", m.get("object").textValue());
      assertTrue(m.get("created").isIntegralNumber());
      assertEquals("altdiffusion", m.get("owned_by").textValue());
    }
    assertEquals("m9", get("/v1/models/m9").json().get("id").textValue());
    JsonNode e = assertOpenAiError(get("/v1/models/nope"), 404, "model", "m18, m9");
    assertEquals("model_not_found", e.get("code").textValue());
    // no token, a wrong token: 401 in OpenAI's shape
    assertOpenAiError(Http.get(url("/v1/models")), 401, null, "token");
    token = "wrong";
    e = assertOpenAiError(get("/v1/models"), 401, null, "wrong API token");
    assertEquals("authentication_error", e.get("type").textValue());
    assertOpenAiError(postJson("/v1/images/generations", "{\"prompt\":\"x\"}"), 401, null, "token");
    assertOpenAiError(
        postForm("/v1/images/edits", new Form().field("prompt", "x")), 401, null, "token");
  }

  // ---------------------------------------------------------------- edits and variations

  @Test
  void editsRunImg2ImgOnTheUpload() throws Exception {
    start();
    byte[] red = png(40, 24, 0xFFFF0000);
    Http.Res r =
        postForm(
            "/v1/images/edits",
            new Form()
                .file("image", "red.png", "image/png", red)
                .field("prompt", "a blue square")
                .field("n", "2")
                .field("steps", "4")
                .field("model", "dall-e-2")
                .field("response_format", "b64_json"));
    assertEquals(200, r.status(), r.body());
    assertEquals(2, r.json().get("data").size());
    BufferedImage out = b64Image(r.json().get("data").get(0));
    assertEquals(40, out.getWidth()); // size absent: the picture's size
    assertEquals(24, out.getHeight());
    // steps x strength 0.75 run: int(4 x 0.75) = 3
    assertEquals("40x24", r.json().get("size").textValue());
    r =
        postForm(
            "/v1/images/edits",
            new Form()
                .file("image[]", "red.png", "image/png", red)
                .field("prompt", "x")
                .field("size", "32x32")
                .field("strength", "0.5")
                .field("steps", "4"));
    assertEquals(200, r.status(), r.body());
    assertEquals(32, b64Image(r.json().get("data").get(0)).getWidth());
  }

  @Test
  void editsWithAMaskRepaintOnlyItsTransparentPixels() throws Exception {
    start();
    byte[] red = png(32, 16, 0xFFFF0000);
    // OpenAI's convention: alpha 0 is edited; here the left half
    BufferedImage m = new BufferedImage(32, 16, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 16; y++)
      for (int x = 0; x < 32; x++) m.setRGB(x, y, x < 16 ? 0 : 0xFF000000);
    Http.Res r =
        postForm(
            "/v1/images/edits",
            new Form()
                .file("image", "red.png", "image/png", red)
                .file("mask", "m.png", "image/png", Png.encode(m, null))
                .field("prompt", "a blue square")
                .field("steps", "4")
                .field("response_format", "b64_json"));
    assertEquals(200, r.status(), r.body());
    BufferedImage out = b64Image(r.json().get("data").get(0));
    assertEquals(32, out.getWidth());
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 32; x++) {
        int rgb = out.getRGB(x, y) & 0xFFFFFF;
        if (x < 16) assertNotEquals(0xFF0000, rgb, "edited at " + x + "," + y);
        else assertEquals(0xFF0000, rgb, "kept at " + x + "," + y);
      }
    }
  }

  @Test
  void editsRefuseBadMasksAndBadUploads() throws Exception {
    start();
    String ed = "/v1/images/edits";
    byte[] img = png(16, 16, 0xFF808080);
    assertOpenAiError(
        postForm(
            ed,
            new Form()
                .file("image", "a.png", "image/png", img)
                .file("mask", "m.png", "image/png", png(16, 16, 0xFF000000))
                .field("prompt", "x")),
        400,
        "mask",
        "no fully transparent pixel");
    assertOpenAiError(
        postForm(
            ed,
            new Form()
                .file("image", "a.png", "image/png", img)
                .file("mask", "m.png", "image/png", png(8, 16, 0))
                .field("prompt", "x")),
        400,
        "mask",
        "same size");
    assertOpenAiError(
        postForm(
            ed,
            new Form()
                .file("image", "a.png", "image/png", img)
                .file("mask", "m.txt", "text/plain", "hello".getBytes(StandardCharsets.UTF_8))
                .field("prompt", "x")),
        400,
        "mask",
        "mask is");
    assertOpenAiError(
        postForm(
            ed,
            new Form()
                .file("image", "a.txt", "text/plain", "hello".getBytes(StandardCharsets.UTF_8))
                .field("prompt", "x")),
        400,
        "image",
        "image is");
    assertOpenAiError(
        postForm(ed, new Form().field("prompt", "x")), 400, "image", "image is required");
    assertOpenAiError(
        postForm(ed, new Form().file("image", "a.png", "image/png", img)),
        400,
        "prompt",
        "prompt is required");
    assertOpenAiError(
        postForm(ed, new Form().field("image", "abc").field("prompt", "x")),
        400,
        "image",
        "file upload");
    assertOpenAiError(
        postForm(
            ed,
            new Form()
                .file("image", "a.png", "image/png", img)
                .file("image", "b.png", "image/png", img)
                .field("prompt", "x")),
        400,
        "image",
        "only one");
    assertOpenAiError(
        postForm(
            ed,
            new Form()
                .file("image", "a.png", "image/png", img)
                .field("prompt", "x")
                .field("prompt", "y")),
        400,
        "prompt",
        "more than once");
    Form ok = new Form().file("image", "a.png", "image/png", img).field("prompt", "x");
    assertOpenAiError(postForm(ed, ok.field("n", "two")), 400, "n", "integer");
    String[][] badFields = {
      {"strength", "2", "from 0.0 to 1.0"},
      {"size", "16 x 16", "WIDTHx"},
      {"style", "vivid", "unrecognized"}
    };
    for (String[] bad : badFields) {
      Form form = new Form().file("image", "a.png", "image/png", img).field("prompt", "x");
      assertOpenAiError(postForm(ed, form.field(bad[0], bad[1])), 400, bad[0], bad[2]);
    }
    // malformed bodies and content types
    byte[] good = new Form().file("image", "a.png", "image/png", img).field("prompt", "x").bytes();
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 30);
    assertOpenAiError(
        Http.send(
            req(ed)
                .header("Content-Type", "multipart/form-data; boundary=" + Form.BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(truncated))
                .build()),
        400,
        null,
        "closing boundary");
    assertOpenAiError(
        Http.send(
            req(ed)
                .header("Content-Type", "multipart/form-data")
                .POST(HttpRequest.BodyPublishers.ofByteArray(good))
                .build()),
        400,
        null,
        "no boundary");
    assertOpenAiError(
        Http.send(
            req(ed)
                .header("Content-Type", "multipart/form-data; boundary=other")
                .POST(HttpRequest.BodyPublishers.ofByteArray(good))
                .build()),
        400,
        null,
        "does not occur");
    assertOpenAiError(postJson(ed, "{\"prompt\":\"x\"}"), 415, null, "multipart/form-data");
    assertOpenAiError(
        Http.send(req(ed).POST(HttpRequest.BodyPublishers.noBody()).build()),
        415,
        null,
        "multipart/form-data");
  }

  @Test
  void variationsAreImg2ImgWithoutPrompt() throws Exception {
    start();
    Http.Res r =
        postForm(
            "/v1/images/variations",
            new Form()
                .file("image", "g.png", "image/png", png(24, 16, 0xFF00FF00))
                .field("n", "3")
                .field("steps", "5")
                .field("size", "auto"));
    assertEquals(200, r.status(), r.body());
    assertEquals(3, r.json().get("data").size());
    BufferedImage out = b64Image(r.json().get("data").get(0));
    assertEquals(24, out.getWidth());
    assertEquals(16, out.getHeight());
    String info =
        PngInfo.read(
                ImageInput.decode("x", r.json().get("data").get(0).get("b64_json").textValue()))
            .get("info")
            .textValue();
    assertTrue(info.contains("Denoising strength: " + OpenAiImages.VARIATION_STRENGTH), info);
    assertOpenAiError(
        postForm(
            "/v1/images/variations",
            new Form().file("image", "g.png", "image/png", png(24, 16, 0)).field("prompt", "x")),
        400,
        "prompt",
        "unrecognized");
    assertOpenAiError(
        postForm(
            "/v1/images/variations",
            new Form()
                .file("image", "g.png", "image/png", png(24, 16, 0))
                .file("mask", "g.png", "image/png", png(24, 16, 0))),
        400,
        "mask",
        "unrecognized");
    assertOpenAiError(
        postForm(
            "/v1/images/variations",
            new Form()
                .file("image", "g.png", "image/png", png(24, 16, 0))
                .field("strength", "0.1")
                .field("steps", "5")),
        400,
        "strength",
        "no step");
  }

  @Test
  void theOpenApiDocumentListsTheRoutes() throws Exception {
    start();
    JsonNode doc = get("/openapi.json").json();
    JsonNode paths = doc.get("paths");
    for (String p :
        List.of(
            "/v1/images/generations",
            "/v1/images/edits",
            "/v1/images/variations",
            "/v1/images/files/{name}",
            "/v1/models",
            "/v1/models/{model}")) {
      assertTrue(paths.has(p), p);
    }
    assertTrue(
        paths
            .get("/v1/images/edits")
            .get("post")
            .get("requestBody")
            .get("content")
            .has("multipart/form-data"));
    assertTrue(doc.get("components").get("schemas").has("OpenAiImageGenerationRequest"));
  }
}
