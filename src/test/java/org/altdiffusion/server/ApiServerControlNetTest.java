package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.app.Main;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.pipeline.Infotext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sd-webui-controlnet's API on the tiny model with the tiny SD 1.x-style ControlNet fixture: the
 * lists, detect, units on txt2img and img2img (same picture as the CLI), and the refusals.
 */
class ApiServerControlNetTest {
  static final Path NET = Path.of("src/test/resources/fixtures/controlnet/cn-sd1");

  @TempDir static Path tmp;
  static Path nets;
  static Path controlPng;
  static ApiServer server;

  @BeforeAll
  static void start() throws Exception {
    nets = Files.createDirectories(tmp.resolve("controlnet"));
    Path dir = Files.createDirectories(nets.resolve("cn-sd1"));
    for (String f : List.of("config.json", "diffusion_pytorch_model.safetensors"))
      Files.copy(NET.resolve(f), dir.resolve(f));
    controlPng = tmp.resolve("control.png");
    ImageIO.write(picture(), "png", controlPng.toFile());
    server = new ApiServer(Servers.config().withControlNets(nets), new TinyModelRegistry(), null);
    Servers.awaitLoaded(server, null);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  /** A white rectangle on black, 40x24 (not the request's size: fitted by the resize mode). */
  static BufferedImage picture() {
    BufferedImage img = new BufferedImage(40, 24, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(8, 5, 20, 12);
    g.dispose();
    return img;
  }

  static String title() {
    return "cn-sd1 ["
        + ControlNetFolder.shortHash(nets.resolve("cn-sd1/diffusion_pytorch_model.safetensors"))
        + "]";
  }

  @Test
  void listsModelsAndModulesInTheExtensionsShapes() throws Exception {
    JsonNode models = get("/controlnet/model_list");
    assertEquals("{\"model_list\":[\"" + title() + "\"]}", models.toString());
    // a file under 1 MiB: A1111's hash reads nothing past the end (sha256 of no bytes)
    assertEquals("cn-sd1 [e3b0c442]", title());
    JsonNode modules = get("/controlnet/module_list");
    assertEquals(
        List.of("none", "canny", "invert", "scribble"), strings(modules.get("module_list")));
    JsonNode labels = get("/controlnet/module_list?alias_names=true");
    assertEquals(
        "invert (from white bg & black line)", labels.get("module_list").get(2).textValue());
    assertEquals(
        100, modules.get("module_detail").get("canny").get("sliders").get(1).get("value").asInt());
    SchemaValidator v = new SchemaValidator(get("/openapi.json"));
    assertEquals(List.of(), v.problems(models, ref("ControlNetModelList")));
    assertEquals(List.of(), v.problems(modules, ref("ControlNetModuleList")));
  }

  @Test
  void detectReturnsThePreprocessorsMap() throws Exception {
    JsonNode r =
        post(
            "/controlnet/detect",
            "{\"controlnet_module\":\"canny\",\"controlnet_input_images\":[\""
                + b64(controlPng)
                + "\"],\"controlnet_threshold_a\":50,\"controlnet_threshold_b\":150}");
    assertEquals("Success", r.get("info").textValue());
    BufferedImage map = decode(r.get("images").get(0).textValue());
    // the extension's default processor_res 512: the 40x24 picture's short side scaled to 512
    BufferedImage expected =
        Preprocessor.CANNY.apply(picture(), new Preprocessor.Settings(50, 150, false, 127, 512));
    assertEquals(853, map.getWidth());
    assertEquals(512, map.getHeight());
    assertArrayEquals(pixels(expected), pixels(map));
    JsonNode small =
        post(
            "/controlnet/detect",
            "{\"controlnet_module\":\"canny\",\"controlnet_input_images\":[\""
                + b64(controlPng)
                + "\"],\"controlnet_processor_res\":64}");
    assertEquals(64, decode(small.get("images").get(0).textValue()).getHeight());
    String bad =
        error(
            "/controlnet/detect",
            "{\"controlnet_module\":\"depth\",\"controlnet_input_images\":[\""
                + b64(controlPng)
                + "\"]}");
    assertTrue(
        bad.contains("unknown module 'depth'; accepted: none, canny, invert, scribble"), bad);
    assertTrue(
        error("/controlnet/detect", "{\"controlnet_module\":\"canny\"}")
            .contains("no image selected"));
  }

  @Test
  void txt2imgWithAUnitGivesTheClisPictureAndTheExtensionsInfotext() throws Exception {
    String unit =
        "{\"enabled\":true,\"input_image\":\"data:image/png;base64,"
            + b64(controlPng)
            + "\",\"module\":\"canny\",\"model\":\"cn-sd1\",\"weight\":1.5,"
            + "\"guidance_start\":0.0,\"guidance_end\":0.5,\"resize_mode\":\"Just Resize\","
            + "\"threshold_a\":100,\"threshold_b\":200,\"control_mode\":0,\"low_vram\":false}";
    JsonNode r = post("/sdapi/v1/txt2img", request(unit));
    String b64 = r.get("images").get(0).textValue();
    Infotext info = Infotext.parse(PngText.read(Base64.getDecoder().decode(b64)).get("parameters"));
    assertEquals(
        "Module: canny, Model: cn-sd1, Weight: 1.5, Resize Mode: Just Resize, Processor Res: 512,"
            + " Threshold A: 100.0, Threshold B: 200.0, Guidance Start: 0.0, Guidance End: 0.5,"
            + " Pixel Perfect: False, Control Mode: Balanced",
        info.settings().get("ControlNet 0"));
    Path out = tmp.resolve("cli.png");
    int code =
        Main.run(
            "generate",
            "--model",
            TinyModelRegistry.FOLDER.toString(),
            "-p",
            "a cat",
            "--steps",
            "4",
            "-s",
            "7",
            "-W",
            "32",
            "-H",
            "32",
            "-g",
            "7",
            "--sampler",
            "Euler",
            "--quiet",
            "--out",
            out.toString(),
            "--controlnet",
            nets.resolve("cn-sd1") + ":1.5",
            "--control-image",
            controlPng.toString(),
            "--control-preprocess",
            "canny",
            "--control-end",
            "0.5",
            "--control-processor-res",
            "512");
    assertEquals(0, code);
    int[] served = pixels(decode(b64));
    assertArrayEquals(pixels(ImageIO.read(out.toFile())), served);
    // a disabled unit is ignored, as the extension does: the plain picture, which differs
    JsonNode plain =
        post("/sdapi/v1/txt2img", request(unit.replace("\"enabled\":true", "\"enabled\":false")));
    assertFalse(
        java.util.Arrays.equals(served, pixels(decode(plain.get("images").get(0).textValue()))));
    assertFalse(
        Infotext.parse(
                PngText.read(Base64.getDecoder().decode(plain.get("images").get(0).textValue()))
                    .get("parameters"))
            .settings()
            .containsKey("ControlNet 0"));
  }

  @Test
  void pixelPerfectAndControlNetIsMoreImportantGiveTheClisPicture() throws Exception {
    // pixel_perfect: 40x24 picture, 32x32 target, Crop and Resize: max(32/24, 32/40) x 24 = 32
    String unit =
        "{\"enabled\":true,\"image\":\""
            + b64(controlPng)
            + "\",\"module\":\"canny\",\"model\":\"cn-sd1\",\"weight\":1.2,"
            + "\"pixel_perfect\":true,\"control_mode\":\"ControlNet is more important\","
            + "\"resize_mode\":1}";
    JsonNode r = post("/sdapi/v1/txt2img", request(unit));
    String b64 = r.get("images").get(0).textValue();
    String text =
        Infotext.parse(PngText.read(Base64.getDecoder().decode(b64)).get("parameters"))
            .settings()
            .get("ControlNet 0");
    assertTrue(text.endsWith("Pixel Perfect: True, Control Mode: ControlNet is more important"));
    Path out = tmp.resolve("cli-mode.png");
    int code =
        Main.run(
            "generate",
            "--model",
            TinyModelRegistry.FOLDER.toString(),
            "-p",
            "a cat",
            "--steps",
            "4",
            "-s",
            "7",
            "-W",
            "32",
            "-H",
            "32",
            "-g",
            "7",
            "--sampler",
            "Euler",
            "--quiet",
            "--out",
            out.toString(),
            "--controlnet",
            nets.resolve("cn-sd1") + ":1.2",
            "--control-image",
            controlPng.toString(),
            "--control-preprocess",
            "canny",
            "--control-resize",
            "crop-and-resize",
            "--control-processor-res",
            "32",
            "--control-mode",
            "controlnet");
    assertEquals(0, code);
    assertArrayEquals(pixels(ImageIO.read(out.toFile())), pixels(decode(b64)));
    JsonNode balanced =
        post(
            "/sdapi/v1/txt2img",
            request(unit.replace("\"ControlNet is more important\"", "\"Balanced\"")));
    assertFalse(
        java.util.Arrays.equals(
            pixels(decode(b64)), pixels(decode(balanced.get("images").get(0).textValue()))));
  }

  /**
   * The web page's request (app.js: request() with controlNetUnit(), the sliders from module_list)
   * through the job API: accepted, and the same picture as the A1111 route.
   */
  @Test
  void theWebPagesControlNetRequestIsAccepted() throws Exception {
    String js = Files.readString(Path.of("src/main/resources/web/app.js"));
    assertTrue(js.contains("body.alwayson_scripts = { controlnet: { args: [unit] } };"));
    ObjectNode unit = Http.JSON.createObjectNode();
    unit.put("enabled", true);
    unit.put("image", b64(controlPng));
    unit.put("module", "canny");
    unit.put("model", title());
    unit.put("weight", 0.8);
    unit.put("guidance_start", 0.1);
    unit.put("guidance_end", 0.9);
    unit.put("control_mode", 1);
    unit.put("resize_mode", 1);
    unit.put("pixel_perfect", false);
    unit.put("processor_res", 256); // the sliders' fields, named as module_detail's
    unit.put("threshold_a", 60);
    unit.put("threshold_b", 180);
    unit.fieldNames()
        .forEachRemaining(
            k ->
                assertTrue(
                    js.contains(" " + k + ":") || js.contains("\"" + k + "\""),
                    "app.js sends " + k));
    ObjectNode body =
        (ObjectNode)
            Http.JSON.readTree(
                "{\"prompt\":\"a cat\",\"negative_prompt\":\"\",\"steps\":4,\"cfg_scale\":7,"
                    + "\"seed\":7,\"batch_size\":1,\"n_iter\":1,\"width\":32,\"height\":32,"
                    + "\"sampler_name\":\"Euler\"}");
    body.putObject("alwayson_scripts").putObject("controlnet").putArray("args").add(unit);
    Http.Res sub = Http.post(server.url() + "/api/v1/jobs", body.toString());
    assertEquals(202, sub.status(), sub.body());
    String id = sub.json().get("id").textValue();
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    String status;
    while (!(status =
            Http.get(server.url() + "/api/v1/jobs/" + id).json().get("status").textValue())
        .equals("succeeded")) {
      assertNotEquals("failed", status);
      assertTrue(System.nanoTime() < deadline, "job did not succeed");
      Thread.sleep(5);
    }
    JsonNode job = Http.get(server.url() + "/api/v1/jobs/" + id + "/result").json();
    JsonNode direct = post("/sdapi/v1/txt2img", body.toString());
    assertArrayEquals(
        pixels(decode(direct.get("images").get(0).textValue())),
        pixels(decode(job.get("images").get(0).textValue())));
  }

  @Test
  void webuiapisFormWithGuessModeGivesTheClisGuessModePicture() throws Exception {
    // webuiapi 0.9.17 names the script "ControlNet" (A1111 matches script names case-insensitively)
    String unit =
        "{\"image\":\""
            + b64(controlPng)
            + "\",\"mask\":null,\"module\":\"none\",\"model\":\"cn-sd1\",\"weight\":1.0,"
            + "\"resize_mode\":0,\"low_vram\":false,\"processor_res\":512,\"threshold_a\":64,"
            + "\"threshold_b\":64,\"guidance_start\":0.0,\"guidance_end\":1.0,"
            + "\"control_mode\":\"Balanced\",\"pixel_perfect\":false,\"hr_option\":\"Both\","
            + "\"enabled\":true,\"guessmode\":true}";
    String body = request(unit).replace("{\"controlnet\":", "{\"ControlNet\":");
    JsonNode r = post("/sdapi/v1/txt2img", body);
    Path out = tmp.resolve("cli-guess.png");
    int code =
        Main.run(
            "generate",
            "--model",
            TinyModelRegistry.FOLDER.toString(),
            "-p",
            "a cat",
            "--steps",
            "4",
            "-s",
            "7",
            "-W",
            "32",
            "-H",
            "32",
            "-g",
            "7",
            "--sampler",
            "Euler",
            "--quiet",
            "--out",
            out.toString(),
            "--controlnet",
            nets.resolve("cn-sd1").toString(),
            "--control-image",
            controlPng.toString(),
            "--guess-mode");
    assertEquals(0, code);
    assertArrayEquals(
        pixels(ImageIO.read(out.toFile())), pixels(decode(r.get("images").get(0).textValue())));
  }

  @Test
  void img2imgUnitWithoutImageUsesTheInitImage() throws Exception {
    String body =
        "{\"prompt\":\"a cat\",\"seed\":3,\"steps\":4,\"width\":32,\"height\":32,"
            + "\"sampler_name\":\"Euler\",\"denoising_strength\":0.6,\"init_images\":[\""
            + b64(controlPng)
            + "\"],\"alwayson_scripts\":{\"controlnet\":{\"args\":[{\"enabled\":true,"
            + "\"module\":\"invert (from white bg & black line)\",\"model\":\"cn-sd1 ["
            + title().substring(8, 16)
            + "]\"}]}}}";
    JsonNode r = post("/sdapi/v1/img2img", body);
    assertEquals(1, r.get("images").size());
    String text =
        PngText.read(Base64.getDecoder().decode(r.get("images").get(0).textValue()))
            .get("parameters");
    assertTrue(text.contains("ControlNet 0: \"Module: invert (from white bg & black line)"), text);
    assertTrue(text.contains("Resize Mode: Crop and Resize"), text);
    assertTrue(text.endsWith("Control Mode: Balanced\", Version: altdiffusion-jvm"), text);
  }

  @Test
  void refusalsSayWhatIsAccepted() throws Exception {
    String unknownModel =
        error(
            "/sdapi/v1/txt2img",
            request(unit("\"weight\":1").replace("cn-sd1", "control_sd15_canny")));
    assertTrue(
        unknownModel.contains(
            "unknown ControlNet model 'control_sd15_canny'; accepted: " + title()),
        unknownModel);
    String mode = error("/sdapi/v1/txt2img", request(unit("\"control_mode\":3")));
    assertTrue(mode.contains("accepted 0 \\\"Balanced\\\", 1"), mode);
    String guess =
        error("/sdapi/v1/txt2img", request(unit("\"control_mode\":2,\"guessmode\":true")));
    assertTrue(guess.contains("cannot be combined with control_mode"), guess);
    String module =
        error(
            "/sdapi/v1/txt2img",
            request(unit("\"weight\":1").replace("\"canny\"", "\"openpose\"")));
    assertTrue(module.contains("accepted: none, canny, invert, scribble"), module);
    String noImage =
        error(
            "/sdapi/v1/txt2img",
            request("{\"enabled\":true,\"module\":\"none\",\"model\":\"cn-sd1\"}"));
    assertTrue(noImage.contains("no image"), noImage);
    String range = error("/sdapi/v1/txt2img", request(unit("\"threshold_a\":300")));
    assertTrue(range.contains("threshold_a must be between 1 and 255"), range);
    String order =
        error("/sdapi/v1/txt2img", request(unit("\"guidance_start\":0.6,\"guidance_end\":0.4")));
    assertTrue(order.contains("must be below guidance_end"), order);
    ObjectNode other = (ObjectNode) Http.JSON.readTree(request(unit("\"weight\":1")));
    ((ObjectNode) other.get("alwayson_scripts")).putObject("adetailer");
    String script = error("/sdapi/v1/txt2img", other.toString());
    assertTrue(script.contains("alwayson_scripts (adetailer; only \\\"controlnet\\\""), script);
  }

  private static String unit(String field) throws Exception {
    return "{\"enabled\":true,\"image\":\""
        + b64(controlPng)
        + "\",\"module\":\"canny\",\"model\":\"cn-sd1\","
        + field
        + "}";
  }

  private static String request(String unit) {
    return "{\"prompt\":\"a cat\",\"seed\":7,\"steps\":4,\"width\":32,\"height\":32,"
        + "\"cfg_scale\":7,\"sampler_name\":\"Euler\",\"alwayson_scripts\":{\"controlnet\":"
        + "{\"args\":["
        + unit
        + "]}}}";
  }

  private static JsonNode ref(String name) throws Exception {
    return Http.JSON.readTree("{\"$ref\":\"#/components/schemas/" + name + "\"}");
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new java.util.ArrayList<>();
    a.forEach(n -> out.add(n.textValue()));
    return out;
  }

  private static String b64(Path png) throws Exception {
    return Base64.getEncoder().encodeToString(Files.readAllBytes(png));
  }

  private static BufferedImage decode(String b64) throws Exception {
    return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b64)));
  }

  private static int[] pixels(BufferedImage img) {
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
  }

  private static String error(String path, String body) throws Exception {
    Http.Res r = Http.post(server.url() + path, body);
    assertEquals(422, r.status(), r.body());
    return r.body();
  }

  private static JsonNode get(String path) throws Exception {
    Http.Res r = Http.get(server.url() + path);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }

  private static JsonNode post(String path, String body) throws Exception {
    Http.Res r = Http.post(server.url() + path, body);
    assertEquals(200, r.status(), r.body());
    return r.json();
  }
}
