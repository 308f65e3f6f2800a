package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.altdiffusion.image.Png;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.GenerationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's behaviour, endpoint by endpoint, against the test double generator. */
class ApiServerTest {
  private ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private String url(String path) {
    return server.url() + path;
  }

  private static void assertError(Http.Res r, int status, String detailPart) {
    assertEquals(status, r.status(), r.body());
    JsonNode j = r.json();
    assertTrue(j.hasNonNull("error"), r.body());
    assertTrue(
        j.get("detail").textValue().contains(detailPart),
        "detail should mention '" + detailPart + "': " + r.body());
  }

  @Test
  void txt2imgAnswersInA1111Shape() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
    Http.Res r =
        Http.post(
            url("/sdapi/v1/txt2img"),
            "{\"prompt\":\"一只猫\",\"seed\":7,\"steps\":3,\"batch_size\":2,\"n_iter\":2,\"width\":64,\"height\":48,\"sampler_name\":\"k_euler_a\",\"unknown_field\":1}");
    assertEquals(200, r.status(), r.body());
    JsonNode body = r.json();
    assertEquals(4, body.get("images").size());
    JsonNode info = Http.JSON.readTree(body.get("info").textValue());
    assertEquals("一只猫", info.get("prompt").textValue());
    assertEquals("[7,8,9,10]", info.get("all_seeds").toString());
    assertEquals(4, info.get("infotexts").size());
    assertEquals(4, info.get("all_prompts").size());
    assertEquals("Euler a", info.get("sampler_name").textValue());
    assertEquals(64, info.get("width").asInt());
    assertEquals(48, info.get("height").asInt());
    assertEquals("m18", info.get("sd_model_name").textValue());
    assertEquals(7, body.get("parameters").get("seed").asInt());
    assertFalse(body.get("parameters").has("unknown_field"));
    byte[] png = Base64.getDecoder().decode(body.get("images").get(2).textValue());
    Map<String, String> text = PngText.read(png);
    assertTrue(text.get("parameters").contains("Seed: 9"), text.toString());
    assertTrue(text.get("parameters").startsWith("一只猫\n"), text.toString());
  }

  @Test
  void defaultsComeFromTheModelAndRandomSeedsAreDrawn() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 40, "m18"));
    JsonNode body =
        Http.post(url("/sdapi/v1/txt2img"), "{\"prompt\":\"x\",\"steps\":1,\"send_images\":false}")
            .json();
    assertEquals(0, body.get("images").size());
    JsonNode info = Http.JSON.readTree(body.get("info").textValue());
    assertEquals(40, info.get("width").asInt());
    long seed = info.get("seed").asLong();
    assertTrue(seed >= 0 && seed < 4294967294L, "random seed " + seed);
    assertEquals(
        "PNDM",
        info.get("sampler_name").textValue()); // the model's own scheduler, as its infotext says
  }

  @Test
  void listsSamplersModelsOptionsScriptsAndIdleProgress() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18", "m9"));
    JsonNode samplers = Http.get(url("/sdapi/v1/samplers")).json();
    assertEquals(TestImageGenerator.SAMPLERS.size(), samplers.size());
    assertEquals("Euler a", samplers.get(0).get("name").textValue());
    assertEquals("k_euler_a", samplers.get(0).get("aliases").get(0).textValue());
    assertTrue(samplers.get(0).get("options").isObject());
    JsonNode models = Http.get(url("/sdapi/v1/sd-models")).json();
    assertEquals(2, models.size());
    for (String f : List.of("title", "model_name", "hash", "sha256", "filename", "config"))
      assertTrue(models.get(0).has(f), f);
    assertEquals(
        "m18", Http.get(url("/sdapi/v1/options")).json().get("sd_model_checkpoint").textValue());
    assertEquals(
        "{\"txt2img\":[\"controlnet\"],\"img2img\":[\"controlnet\"]}",
        Http.get(url("/sdapi/v1/scripts")).body());
    JsonNode p = Http.get(url("/sdapi/v1/progress")).json();
    assertEquals(0.0, p.get("progress").asDouble());
    assertEquals(0, p.get("state").get("job_count").asInt());
    assertTrue(p.get("current_image").isNull());
    for (String f :
        List.of(
            "skipped",
            "interrupted",
            "job",
            "job_count",
            "job_timestamp",
            "job_no",
            "sampling_step",
            "sampling_steps")) {
      assertTrue(p.get("state").has(f), f);
    }
  }

  @Test
  void refusesBadRequestsWithJsonErrorsNamingTheProblem() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
    String t2i = url("/sdapi/v1/txt2img");
    assertError(
        Http.post(t2i, "{\"prompt\":\"x\",\"sampler_name\":\"Nope\"}"),
        404,
        "Euler a, Euler, DDIM, PNDM");
    assertError(Http.post(t2i, "{\"width\":100}"), 422, "use 96 or 104");
    assertError(Http.post(t2i, "{\"steps\":0}"), 422, "steps must be between 1 and 150");
    assertError(Http.post(t2i, "{\"steps\":2.5}"), 422, "whole number");
    assertError(Http.post(t2i, "{\"steps\":1e999}"), 422, "steps");
    assertError(Http.post(t2i, "{\"batch_size\":8,\"n_iter\":3}"), 422, "at most 16");
    assertError(Http.post(t2i, "{\"prompt\":5}"), 422, "prompt must be a string");
    assertError(Http.post(t2i, "{\"seed\":\"abc\"}"), 422, "seed must be an integer");
    assertError(Http.post(t2i, "{\"seed\":-5}"), 422, "seed must be between -1");
    assertError(
        Http.post(t2i, "{\"seed\":281474976710641,\"batch_size\":2}"),
        422,
        "seed must be between -1 and 281474976710640"); // 2^48 - 16: room for 16 images
    assertEquals(
        200, Http.post(t2i, "{\"seed\":281474976710640,\"n_iter\":16,\"steps\":1}").status());
    assertError(
        Http.post(t2i, "{\"enable_hr\":true,\"hr_upscaler\":\"R-ESRGAN 4x+\"}"),
        422,
        "accepted: Latent, Latent (antialiased)");
    assertError(
        Http.post(t2i, "{\"override_settings\":{\"sd_model_checkpoint\":\"other\"}}"),
        404,
        "available: m18");
    assertError(Http.post(t2i, "{\"prompt\":"), 400, "malformed JSON");
    assertError(Http.post(t2i, "[1,2]"), 422, "must be a JSON object");
    assertError(Http.post(t2i, ""), 400, "empty");
    assertError(
        Http.post(url("/sdapi/v1/png-info"), "{\"image\":\"not base64!!\"}"),
        422,
        "not valid base64");
    assertError(
        Http.post(
            url("/sdapi/v1/png-info"),
            "{\"image\":\"" + Base64.getEncoder().encodeToString("hello world".getBytes()) + "\"}"),
        422,
        "not an image");
    assertError(Http.post(url("/sdapi/v1/png-info"), "{}"), 422, "image is required");
    assertError(
        Http.get(url("/sdapi/v1/progress?skip_current_image=maybe")), 422, "skip_current_image");
    assertError(
        Http.get(url("/sdapi/v1/progress?skip_current_image=")), 422, "must be true or false");
    assertEquals(200, Http.get(url("/sdapi/v1/progress?skip_current_image=True")).status());
    assertError(Http.get(url("/nope")), 404, "/openapi.json");
    assertError(Http.get(url("/sdapi/v1/txt2img")), 405, "POST");
    assertError(
        Http.post(url("/sdapi/v1/img2img"), "{\"init_images\":[]}"),
        422,
        "init_images is required");
    assertError(Http.post(url("/sdapi/v1/img2img"), "{oops"), 400, "malformed");
    assertError(Http.get(url("/api/v1/jobs/../../etc/passwd")), 404, "");
    assertError(Http.get(url("/api/v1/jobs/0123456789abcdef0123456789abcdef")), 404, "no job");
  }

  /** A base64 PNG of {@code w} x {@code h} in one colour. */
  private static String png(int w, int h, int rgb) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
    return Base64.getEncoder().encodeToString(Png.encode(img, null));
  }

  private static BufferedImage decodePng(String b64) throws Exception {
    return ImageIO.read(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(b64)));
  }

  @Test
  void img2imgStartsFromTheInitImageAndAnswersInA1111Shape() throws Exception {
    TestModels models = new TestModels(0, 64, "m18");
    server = Servers.start(Servers.config(), models);
    String init = png(40, 24, 0xFF0000);
    Http.Res r =
        Http.post(
            url("/sdapi/v1/img2img"),
            "{\"prompt\":\"ein Hund\",\"seed\":11,\"steps\":4,\"batch_size\":2,"
                + "\"denoising_strength\":0.5,\"init_images\":[\"data:image/png;base64,"
                + init
                + "\"],\"unknown_field\":1}");
    assertEquals(200, r.status(), r.body());
    JsonNode body = r.json();
    assertEquals(2, body.get("images").size());
    JsonNode info = Http.JSON.readTree(body.get("info").textValue());
    assertEquals(40, info.get("width").asInt()); // the init image's size
    assertEquals(24, info.get("height").asInt());
    assertEquals(0.5, info.get("denoising_strength").asDouble());
    assertEquals("[11,12]", info.get("all_seeds").toString());
    assertTrue(
        info.get("infotexts").get(1).textValue().contains("Denoising strength: 0.5"),
        info.toString());
    JsonNode params = body.get("parameters");
    assertTrue(params.get("init_images").isNull(), "A1111 leaves the images out of the echo");
    assertTrue(params.get("mask").isNull());
    assertEquals(0.5, params.get("denoising_strength").asDouble());
    assertEquals(0, params.get("resize_mode").asInt());
    assertEquals(11, params.get("seed").asInt());
    assertFalse(params.has("include_init_images"));
    assertFalse(params.has("enable_hr"));
    assertFalse(params.has("unknown_field"));
    // the double blends init and drawing by the strength: the server handed it the init image,
    // fitted, and the strength
    GenerationRequest asRun =
        GenerationRequest.builder("ein Hund")
            .steps(4)
            .guidance(7.0)
            .seed(12L)
            .size(40, 24)
            .batchSize(2)
            .build();
    BufferedImage expected =
        TestImageGenerator.blend(
            decodePng(init), TestImageGenerator.draw(asRun, 12, 40, 24, 2, 2), 0.5);
    assertSameImage(expected, decodePng(body.get("images").get(1).textValue()));
    Map<String, String> text =
        PngText.read(Base64.getDecoder().decode(body.get("images").get(0).textValue()));
    assertTrue(text.get("parameters").startsWith("ein Hund\n"), text.toString());
    assertTrue(text.get("parameters").contains("Seed: 11"), text.toString());
    assertTrue(text.get("parameters").contains("Denoising strength: 0.5"), text.toString());
  }

  private static void assertSameImage(BufferedImage expected, BufferedImage actual) {
    assertEquals(expected.getWidth(), actual.getWidth());
    assertEquals(expected.getHeight(), actual.getHeight());
    for (int y = 0; y < expected.getHeight(); y++) {
      for (int x = 0; x < expected.getWidth(); x++) {
        assertEquals(
            expected.getRGB(x, y) & 0xFFFFFF,
            actual.getRGB(x, y) & 0xFFFFFF,
            "pixel " + x + "," + y);
      }
    }
  }

  @Test
  void img2imgSizesEchoesAndWarnings() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
    String wide = png(640, 480, 0x00FF00);
    // one side given: the other keeps the aspect ratio; more than one image: the first is used,
    // with a warning
    JsonNode body =
        Http.post(
                url("/sdapi/v1/img2img"),
                "{\"steps\":2,\"width\":64,\"resize_mode\":1,\"include_init_images\":true,"
                    + "\"init_images\":[\""
                    + wide
                    + "\",\""
                    + png(8, 8, 0)
                    + "\"]}")
            .json();
    JsonNode info = Http.JSON.readTree(body.get("info").textValue());
    assertEquals(64, info.get("width").asInt());
    assertEquals(48, info.get("height").asInt());
    assertTrue(
        info.get("warnings").get(0).textValue().contains("only the first image is used; 1 more"),
        info.toString());
    assertEquals(
        wide,
        body.get("parameters").get("init_images").get(0).textValue(),
        "include_init_images echoes them");
    BufferedImage out = decodePng(body.get("images").get(0).textValue());
    assertEquals(64, out.getWidth());
    assertEquals(48, out.getHeight());
    // too large for the server: scaled down to fit, multiples of 8
    JsonNode big =
        Http.JSON.readTree(
            Http.post(
                    url("/sdapi/v1/img2img"),
                    "{\"steps\":1,\"denoising_strength\":1,\"send_images\":false,"
                        + "\"init_images\":[\""
                        + png(1100, 700, 0x0000FF)
                        + "\"]}")
                .json()
                .get("info")
                .textValue());
    assertEquals(512, big.get("width").asInt());
    assertEquals(320, big.get("height").asInt()); // 700 x 512 / 1100 = 325.8, rounded down to 320
  }

  @Test
  void img2imgRefusesBadImagesMasksAndSettingsItCannotHonour() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 16, "m18"));
    String i2i = url("/sdapi/v1/img2img");
    String ok = png(16, 16, 0x808080);
    assertError(Http.post(i2i, "{}"), 422, "init_images is required");
    assertError(
        Http.post(i2i, "{\"init_images\":\"" + ok + "\"}"), 422, "init_images must be an array");
    assertError(
        Http.post(i2i, "{\"init_images\":[5]}"), 422, "init_images[0] must be a base64 string");
    assertError(Http.post(i2i, "{\"init_images\":[\"not base64!!\"]}"), 422, "not valid base64");
    assertError(
        Http.post(
            i2i,
            "{\"init_images\":[\""
                + Base64.getEncoder().encodeToString("hello world".getBytes())
                + "\"]}"),
        422,
        "not an image");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"https://example.com/cat.png\"]}"),
        422,
        "fetches nothing");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"latent_mask\":\"" + ok + "\"}"),
        422,
        "latent_mask is not supported");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"resize_mode\":3}"),
        422,
        "accepted: 0 (just resize), 1 (crop and resize), 2 (resize and fill)");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"resize_mode\":4}"),
        422,
        "resize_mode must be between 0 and 3");
    assertError(
        Http.post(
            i2i, "{\"init_images\":[\"" + ok + "\"],\"steps\":20,\"denoising_strength\":0.01}"),
        422,
        "at least 0.05");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"denoising_strength\":1.5}"),
        422,
        "denoising_strength must be between 0");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"initial_noise_multiplier\":0.5}"),
        422,
        "initial_noise_multiplier");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"width\":100}"), 422, "use 96 or 104");
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"restore_faces\":true}"),
        422,
        "restore_faces"); // (tiling, refused here before, runs now: TilingFieldTest)
    assertError(
        Http.post(i2i, "{\"init_images\":[\"" + ok + "\"],\"sampler_name\":\"Nope\"}"),
        404,
        "Euler a");
    // a PNG whose header claims 60000 x 60000 pixels: refused from the header, nothing decoded
    assertError(
        Http.post(
            i2i,
            "{\"init_images\":[\"" + Base64.getEncoder().encodeToString(hugeHeaderPng()) + "\"]}"),
        413,
        "60000x60000");
    // a PNG with a valid header and broken pixel data: refused when the worker decodes it, still a
    // 422
    byte[] png = Base64.getDecoder().decode(ok);
    byte[] broken = java.util.Arrays.copyOf(png, 40);
    assertError(
        Http.post(
            i2i, "{\"init_images\":[\"" + Base64.getEncoder().encodeToString(broken) + "\"]}"),
        422,
        "init_images[0]: not a readable image");
    assertEquals(
        200,
        Http.post(
                i2i,
                "{\"steps\":2,\"init_images\":[\""
                    + ok
                    + "\"],\"mask\":\"\",\"mask_blur\":8,\"inpainting_fill\":1}")
            .status(),
        "inpainting fields without a mask are accepted and unused, as A1111 does");
  }

  /** A real 1x1 PNG whose header then claims 60000 x 60000 pixels (CRC fixed). */
  private static byte[] hugeHeaderPng() {
    byte[] png = Png.encode(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), null);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
    b.putInt(16, 60000).putInt(20, 60000);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, 12, 17);
    b.putInt(29, (int) crc.getValue());
    return png;
  }

  @Test
  void pngInfoReadsParametersOfAGeneratedImage() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
    JsonNode body =
        Http.post(
                url("/sdapi/v1/txt2img"),
                "{\"prompt\":\"Ein Fuchs im"
                    + " Schnee\",\"negative_prompt\":\"unscharf\",\"seed\":3,\"steps\":2,\"width\":32,\"height\":24}")
            .json();
    String b64 = body.get("images").get(0).textValue();
    JsonNode info =
        Http.post(url("/sdapi/v1/png-info"), "{\"image\":\"data:image/png;base64," + b64 + "\"}")
            .json();
    assertTrue(
        info.get("info")
            .textValue()
            .startsWith("Ein Fuchs im Schnee\nNegative prompt: unscharf\nSteps: 2"),
        info.toString());
    assertEquals("Ein Fuchs im Schnee", info.get("parameters").get("Prompt").textValue());
    assertEquals("unscharf", info.get("parameters").get("Negative prompt").textValue());
    assertEquals("32", info.get("parameters").get("Size-1").textValue());
    assertEquals("24", info.get("parameters").get("Size-2").textValue());
    assertEquals("3", info.get("parameters").get("Seed").textValue());
    assertTrue(info.get("items").isObject());
  }

  @Test
  void refusesImagesTooLargeWithoutDecodingThem() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 16, "m18"));
    // only the header is read
    Http.Res r =
        Http.post(
            url("/sdapi/v1/png-info"),
            "{\"image\":\"" + Base64.getEncoder().encodeToString(hugeHeaderPng()) + "\"}");
    assertError(r, 413, "60000x60000");
  }

  @Test
  void refusesToListenBeyondLoopbackWithoutAToken() {
    ServerConfig open = Servers.config().withHost("0.0.0.0");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> new ApiServer(open, new TestModels(0, 64, "m"), null));
    assertTrue(e.getMessage().contains("--api-token"), e.getMessage());
  }

  @Test
  void checksTheTokenButServesThePageWithoutIt() throws Exception {
    String token = "s3cret-token";
    ServerConfig c = Servers.config().withHost("0.0.0.0").withApiToken(token);
    server = new ApiServer(c, new TestModels(0, 64, "m18"), null);
    Servers.awaitLoaded(server, token);
    String base = "http://127.0.0.1:" + server.port();
    Http.Res none = Http.get(base + "/sdapi/v1/options");
    assertError(none, 401, "Authorization: Bearer");
    assertTrue(none.headers().firstValue("WWW-Authenticate").isPresent());
    assertError(
        Http.send(
            HttpRequest.newBuilder(URI.create(base + "/sdapi/v1/options"))
                .header("Authorization", "Bearer wrong")
                .build()),
        401,
        "wrong API token");
    assertEquals(
        200,
        Http.send(
                HttpRequest.newBuilder(URI.create(base + "/sdapi/v1/options"))
                    .header("Authorization", "Bearer " + token)
                    .build())
            .status());
    String basic =
        Base64.getEncoder().encodeToString(("user:" + token).getBytes(StandardCharsets.UTF_8));
    assertEquals(
        200,
        Http.send(
                HttpRequest.newBuilder(URI.create(base + "/sdapi/v1/options"))
                    .header("Authorization", "Basic " + basic)
                    .build())
            .status());
    Http.Res page = Http.get(base + "/");
    assertEquals(200, page.status());
    assertTrue(
        page.headers()
            .firstValue("Content-Security-Policy")
            .orElse("")
            .contains("default-src 'self'"));
    assertEquals(200, Http.get(base + "/openapi.json").status());
  }

  @Test
  void refusesForeignHostsCrossOriginPostsFormBodiesAndHugeBodies() throws Exception {
    server = Servers.start(Servers.config().withMaxBodyBytes(4096), new TestModels(0, 64, "m18"));
    assertTrue(
        rawStatusLine(
                "GET /sdapi/v1/progress HTTP/1.1\r\nHost: attacker.example:"
                    + server.port()
                    + "\r\n\r\n")
            .contains(" 403 "));
    assertTrue(
        rawStatusLine(
                "GET /sdapi/v1/progress HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\n\r\n")
            .contains(" 200 "));
    Http.Res cross =
        Http.send(
            HttpRequest.newBuilder(URI.create(url("/sdapi/v1/interrupt")))
                .header("Origin", "http://attacker.example")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertError(cross, 403, "cross-origin");
    Http.Res sameOrigin =
        Http.send(
            HttpRequest.newBuilder(URI.create(url("/sdapi/v1/interrupt")))
                .header("Origin", server.url())
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    assertEquals(200, sameOrigin.status(), sameOrigin.body());
    Http.Res form =
        Http.send(
            HttpRequest.newBuilder(URI.create(url("/sdapi/v1/txt2img")))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"x\"}"))
                .build());
    assertError(form, 415, "application/json");
    assertError(
        Http.post(url("/sdapi/v1/txt2img"), "{\"prompt\":\"" + "x".repeat(5000) + "\"}"),
        413,
        "at most 4096 bytes");
    assertEquals(200, Http.get(url("/sdapi/v1/progress")).status()); // still up
  }

  private String rawStatusLine(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') line.append((char) c);
      return line.toString();
    }
  }

  @Test
  void jobApiQueuesReportsAndCancelsWithinOneStep() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(40, 32, "m18"));
    Http.Res sub =
        Http.post(url("/api/v1/jobs"), "{\"prompt\":\"Un chat\",\"steps\":100,\"seed\":1}");
    assertEquals(202, sub.status(), sub.body());
    String id = sub.json().get("id").textValue();
    assertEquals("/api/v1/jobs/" + id, sub.headers().firstValue("Location").orElseThrow());
    JsonNode st = awaitJob(id, s -> s.get("step").asInt() >= 3);
    assertEquals("running", st.get("status").textValue());
    assertError(Http.get(url("/api/v1/jobs/" + id + "/result")), 409, "poll");
    int stepSeen = Http.get(url("/api/v1/jobs/" + id)).json().get("step").asInt();
    Http.Res del = Http.delete(url("/api/v1/jobs/" + id));
    assertEquals(202, del.status(), del.body());
    JsonNode end = awaitJob(id, s -> s.get("status").textValue().equals("cancelled"));
    int stoppedAt = end.get("step").asInt();
    assertTrue(
        stoppedAt <= stepSeen + 2,
        "cancelled at step " + stoppedAt + ", requested at step " + stepSeen);
    assertError(Http.get(url("/api/v1/jobs/" + id + "/result")), 410, "cancelled");
    // the next job runs normally and its result can be collected, then forgotten
    String id2 =
        Http.post(url("/api/v1/jobs"), "{\"prompt\":\"Un chien\",\"steps\":2,\"seed\":5}")
            .json()
            .get("id")
            .textValue();
    awaitJob(id2, s -> s.get("status").textValue().equals("succeeded"));
    JsonNode result = Http.get(url("/api/v1/jobs/" + id2 + "/result")).json();
    assertEquals(1, result.get("images").size());
    assertEquals(
        "[5]", Http.JSON.readTree(result.get("info").textValue()).get("all_seeds").toString());
    assertEquals(200, Http.delete(url("/api/v1/jobs/" + id2)).status());
    assertEquals(404, Http.get(url("/api/v1/jobs/" + id2)).status());
  }

  private JsonNode awaitJob(String id, java.util.function.Predicate<JsonNode> until)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode s = Http.get(url("/api/v1/jobs/" + id)).json();
      if (until.test(s)) return s;
      Thread.sleep(5);
    }
    throw new AssertionError("job " + id + " did not reach the expected state");
  }

  @Test
  void jobApiRunsImg2imgJobs() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    Http.Res sub =
        Http.post(
            url("/api/v1/jobs/img2img"),
            "{\"prompt\":\"Un chat\",\"steps\":10,\"denoising_strength\":0.35,\"seed\":3,"
                + "\"init_images\":[\""
                + png(24, 16, 0x123456)
                + "\"]}");
    assertEquals(202, sub.status(), sub.body());
    String id = sub.json().get("id").textValue();
    assertEquals("/api/v1/jobs/" + id, sub.headers().firstValue("Location").orElseThrow());
    JsonNode done = awaitJob(id, s -> s.get("status").textValue().equals("succeeded"));
    assertEquals(3, done.get("steps").asInt(), "int(10 x 0.35) steps ran");
    assertEquals(3, done.get("step").asInt());
    JsonNode result = Http.get(url("/api/v1/jobs/" + id + "/result")).json();
    JsonNode info = Http.JSON.readTree(result.get("info").textValue());
    assertEquals(0.35, info.get("denoising_strength").asDouble());
    assertEquals(24, info.get("width").asInt());
    assertTrue(
        info.get("infotexts").get(0).textValue().contains("Denoising strength: 0.35"),
        info.toString());
    assertError(
        Http.post(
            url("/api/v1/jobs/img2img"),
            "{\"init_images\":[\"" + png(8, 8, 0) + "\"],\"mask\":\"x\"}"),
        422,
        "mask is not valid base64");
  }

  @Test
  void queueFullIs503WithRetryAfter() throws Exception {
    server = Servers.start(Servers.config().withQueueCapacity(1), new TestModels(20, 16, "m18"));
    String a = Http.post(url("/api/v1/jobs"), "{\"steps\":100}").json().get("id").textValue();
    awaitJob(a, s -> s.get("status").textValue().equals("running"));
    assertEquals(202, Http.post(url("/api/v1/jobs"), "{\"steps\":1}").status());
    Http.Res full = Http.post(url("/api/v1/jobs"), "{\"steps\":1}");
    assertError(full, 503, "queue is full");
    assertTrue(Integer.parseInt(full.headers().firstValue("Retry-After").orElseThrow()) >= 1);
    Http.delete(url("/api/v1/jobs/" + a));
  }

  @Test
  void skipAndInterruptKeepTheCurrentBatchAsA1111Does() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(30, 16, "m18"));
    CompletableFuture<Http.Res> skipped =
        CompletableFuture.supplyAsync(() -> call("{\"steps\":10,\"n_iter\":3,\"seed\":100}"));
    awaitProgress(p -> p.get("state").get("sampling_step").asInt() >= 2);
    assertEquals(200, Http.post(url("/sdapi/v1/skip"), "").status());
    JsonNode s = skipped.get().json();
    // A1111 decodes the skipped batch's current estimate and goes on with the next batches
    assertEquals(3, s.get("images").size());
    CompletableFuture<Http.Res> interrupted =
        CompletableFuture.supplyAsync(() -> call("{\"steps\":10,\"n_iter\":3,\"seed\":100}"));
    awaitProgress(
        p ->
            p.get("state").get("job_no").asInt() == 1
                && p.get("state").get("sampling_step").asInt() >= 2);
    assertEquals("{}", Http.post(url("/sdapi/v1/interrupt"), "").body());
    JsonNode i = interrupted.get().json();
    // the finished batch and the interrupted one, decoded as it was; the third never starts
    assertEquals(2, i.get("images").size());
    JsonNode info = Http.JSON.readTree(i.get("info").textValue());
    assertTrue(info.get("interrupted").booleanValue());
    assertEquals(3, info.get("all_seeds").size());
  }

  private Http.Res call(String body) {
    try {
      return Http.post(url("/sdapi/v1/txt2img"), body);
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  private void awaitProgress(java.util.function.Predicate<JsonNode> until) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode p = Http.get(url("/sdapi/v1/progress?skip_current_image=true")).json();
      if (until.test(p)) return;
      Thread.sleep(5);
    }
    throw new AssertionError("progress never reached the expected state");
  }

  @Test
  void shutdownCancelsWaitingJobsAndLetsTheRunningOneFinish() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(20, 16, "m18"));
    CompletableFuture<Http.Res> running =
        CompletableFuture.supplyAsync(() -> call("{\"steps\":15}"));
    awaitProgress(p -> p.get("state").get("sampling_step").asInt() >= 1);
    List<CompletableFuture<Http.Res>> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++)
      queued.add(CompletableFuture.supplyAsync(() -> call("{\"steps\":15}")));
    while (Http.get(url("/api/v1/status")).json().get("queue_waiting").asInt() < 3) Thread.sleep(5);
    List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler capture =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            log.add(r.getMessage());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    java.util.logging.Logger queueLog =
        java.util.logging.Logger.getLogger(JobQueue.class.getName());
    queueLog.addHandler(capture);
    queueLog.setLevel(java.util.logging.Level.INFO);
    try {
      server.close();
    } finally {
      queueLog.removeHandler(capture);
      queueLog.setLevel(null);
    }
    server = null;
    assertEquals(200, running.get().status());
    for (CompletableFuture<Http.Res> q : queued) assertError(q.get(), 503, "shutting down");
    assertTrue(
        log.stream().anyMatch(m -> m.startsWith("shutdown: cancelled 3 queued job(s): ")),
        log.toString());
    assertTrue(
        log.stream().anyMatch(m -> m.startsWith("shutdown: letting running job ")), log.toString());
    assertTrue(
        log.stream().anyMatch(m -> m.matches("shutdown: job [0-9a-f]{32} ended succeeded")),
        log.toString());
  }

  @Test
  void shutdownCancelsTheRunningJobAfterTheGrace() throws Exception {
    server =
        Servers.start(
            Servers.config().withShutdownGrace(Duration.ofMillis(100)),
            new TestModels(20, 16, "m18"));
    CompletableFuture<Http.Res> running =
        CompletableFuture.supplyAsync(() -> call("{\"steps\":150}"));
    awaitProgress(p -> p.get("state").get("sampling_step").asInt() >= 1);
    server.close();
    server = null;
    assertError(running.get(), 503, "shutting down");
  }

  @Test
  void switchesModelsThroughOptionsAndOverrideSettings() throws Exception {
    TestModels models = new TestModels(0, 16, "a", "b");
    server = Servers.start(Servers.config(), models);
    assertEquals(
        200,
        Http.post(
                url("/sdapi/v1/options"), "{\"sd_model_checkpoint\":\"b\",\"unrelated_option\":1}")
            .status());
    assertEquals(
        "b", Http.get(url("/sdapi/v1/options")).json().get("sd_model_checkpoint").textValue());
    assertTrue(models.loaded.get(0).closed, "the previous model is closed");
    JsonNode info =
        Http.JSON.readTree(
            Http.post(url("/sdapi/v1/txt2img"), "{\"steps\":1}").json().get("info").textValue());
    assertEquals("b", info.get("sd_model_name").textValue());
    JsonNode over =
        Http.JSON.readTree(
            Http.post(
                    url("/sdapi/v1/txt2img"),
                    "{\"steps\":1,\"override_settings\":{\"sd_model_checkpoint\":\"a"
                        + " [0123abcd]\"}}")
                .json()
                .get("info")
                .textValue());
    assertEquals("a", over.get("sd_model_name").textValue());
    assertEquals(
        "b", Http.get(url("/sdapi/v1/options")).json().get("sd_model_checkpoint").textValue());
    assertError(
        Http.post(url("/sdapi/v1/options"), "{\"sd_model_checkpoint\":\"c\"}"),
        404,
        "available: a, b");
    assertError(
        Http.post(url("/sdapi/v1/options"), "{\"sd_model_checkpoint\":42}"),
        422,
        "must be a model title");
  }

  @Test
  void savesOnlyInsideTheOutputFolderUnderServerChosenNames(@TempDir Path out) throws Exception {
    server = Servers.start(Servers.config().withOutputDir(out), new TestModels(0, 16, "m18"));
    JsonNode body =
        Http.post(
                url("/sdapi/v1/txt2img"),
                "{\"prompt\":\"../../evil\",\"steps\":1,\"seed\":42,\"batch_size\":2,\"save_images\":true}")
            .json();
    JsonNode files = Http.JSON.readTree(body.get("info").textValue()).get("saved_files");
    assertEquals(2, files.size());
    for (JsonNode f : files) {
      Path p = out.resolve(f.textValue()).normalize();
      assertTrue(p.startsWith(out) && Files.isRegularFile(p), p.toString());
      assertTrue(p.getFileName().toString().matches("\\d{5}-4[23]\\.png"), p.toString());
      assertTrue(PngText.read(Files.readAllBytes(p)).get("parameters").startsWith("../../evil"));
    }
    server.close();
    server = Servers.start(Servers.config(), new TestModels(0, 16, "m18"));
    JsonNode info =
        Http.JSON.readTree(
            Http.post(url("/sdapi/v1/txt2img"), "{\"steps\":1,\"save_images\":true}")
                .json()
                .get("info")
                .textValue());
    assertTrue(info.get("warnings").get(0).textValue().contains("--output"), info.toString());
  }

  @Test
  void openApiDocumentListsExactlyTheServedRoutes() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 16, "m18"));
    JsonNode doc = Http.get(url("/openapi.json")).json();
    assertEquals("3.0.3", doc.get("openapi").textValue());
    Set<String> documented = new HashSet<>();
    doc.get("paths")
        .fields()
        .forEachRemaining(
            p ->
                p.getValue()
                    .fieldNames()
                    .forEachRemaining(m -> documented.add(m.toUpperCase() + " " + p.getKey())));
    Set<String> served = new HashSet<>();
    for (Route r : server.routes()) served.add(r.method + " " + r.template);
    assertEquals(served, documented);
    JsonNode props =
        doc.get("components")
            .get("schemas")
            .get("StableDiffusionProcessingTxt2Img")
            .get("properties");
    assertEquals(150, props.get("steps").get("maximum").asInt());
    assertEquals(512, props.get("width").get("maximum").asInt());
    for (String f :
        List.of(
            "prompt",
            "negative_prompt",
            "seed",
            "sampler_name",
            "sampler_index",
            "scheduler",
            "batch_size",
            "n_iter",
            "steps",
            "cfg_scale",
            "width",
            "height",
            "denoising_strength",
            "override_settings",
            "send_images",
            "save_images")) {
      assertTrue(props.has(f), f);
    }
    JsonNode img2img = doc.get("components").get("schemas").get("StableDiffusionProcessingImg2Img");
    for (String f :
        List.of(
            "prompt",
            "seed",
            "steps",
            "width",
            "init_images",
            "resize_mode",
            "denoising_strength",
            "mask",
            "mask_blur",
            "inpainting_fill",
            "inpaint_full_res",
            "include_init_images",
            "send_images")) {
      assertTrue(img2img.get("properties").has(f), f);
    }
    assertEquals(
        0.75, img2img.get("properties").get("denoising_strength").get("default").asDouble());
    assertTrue(
        img2img
            .get("properties")
            .get("mask")
            .get("description")
            .textValue()
            .contains("white repaints"));
    JsonNode img2imgOp = doc.get("paths").get("/sdapi/v1/img2img").get("post");
    assertTrue(
        img2imgOp
            .get("responses")
            .get("422")
            .get("description")
            .textValue()
            .contains("a mask that is not an image"));
    assertFalse(img2imgOp.get("responses").has("501"));
  }
}
