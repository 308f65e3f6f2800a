package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.altdiffusion.app.Main;
import org.altdiffusion.io.png.PngText;
import org.altdiffusion.lora.LoraFolder;
import org.altdiffusion.pipeline.Infotext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's LoRA folder: listing, refresh, prompt tags applied per request as the CLI does. */
class ApiServerLoraTest {
  static final Path TINY = TinyModelRegistry.FOLDER;
  static final Path FIXTURES = Path.of("src/test/resources/fixtures/lora");
  static TinyModelRegistry registry;

  @TempDir static Path tmp;
  static Path loras;
  static ApiServer server;

  @BeforeAll
  static void start() throws Exception {
    loras = Files.createDirectories(tmp.resolve("loras"));
    for (String f : List.of("peft.safetensors", "kohya_locon.safetensors"))
      Files.copy(FIXTURES.resolve(f), loras.resolve(f));
    registry = new TinyModelRegistry();
    server = new ApiServer(Servers.config(), registry, null, new LoraFolder(loras));
    Servers.awaitLoaded(server, null);
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  @Test
  void listsTheFolderInA1111sShapeAndRefreshPicksUpNewFiles() throws Exception {
    JsonNode list = get("/sdapi/v1/loras");
    assertEquals(List.of("kohya_locon", "peft"), names(list));
    JsonNode peft = list.get(1);
    assertEquals("peft", peft.get("alias").textValue());
    assertEquals(loras.resolve("peft.safetensors").toString(), peft.get("path").textValue());
    assertTrue(peft.get("metadata").isObject());
    SchemaValidator v = new SchemaValidator(get("/openapi.json"));
    JsonNode schema = Http.JSON.readTree("{\"$ref\":\"#/components/schemas/LoraItem\"}");
    for (JsonNode item : list) assertEquals(List.of(), v.problems(item, schema));

    Files.copy(FIXTURES.resolve("kohya_only.safetensors"), loras.resolve("ink.safetensors"));
    assertEquals(List.of("kohya_locon", "peft"), names(get("/sdapi/v1/loras")));
    Http.Res refreshed = Http.post(server.url() + "/sdapi/v1/refresh-loras", "");
    assertEquals(200, refreshed.status(), refreshed.body());
    assertEquals(List.of("ink", "kohya_locon", "peft"), names(get("/sdapi/v1/loras")));
  }

  @Test
  void requestsWithDifferentLorasGiveTheCliPicturesWithoutReloadingTheModel() throws Exception {
    int loads = registry.loads.get();
    String[][] cases = {
      {"a cat<lora:peft:0.8>", "peft.safetensors:0.8"},
      {"<lora:kohya_locon:-0.6>a cat", "kohya_locon.safetensors:-0.6"},
      {"a cat<lora:peft:0.8>", "peft.safetensors:0.8"}, // again after another LoRA
    };
    List<int[]> served = new ArrayList<>();
    for (String[] c : cases) {
      JsonNode r =
          post(
              "/sdapi/v1/txt2img",
              "{\"prompt\":\""
                  + c[0]
                  + "\",\"seed\":5,\"steps\":2,\"width\":16,\"height\":16,"
                  + "\"cfg_scale\":7,\"sampler_name\":\"Euler\"}");
      String b64 = r.get("images").get(0).textValue();
      Infotext info =
          Infotext.parse(PngText.read(Base64.getDecoder().decode(b64)).get("parameters"));
      assertEquals(c[0], info.prompt());
      assertNotNull(info.settings().get("Lora hashes"));
      int[] got = pixels(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b64))));
      Path out = tmp.resolve("cli-" + served.size() + ".png");
      int code =
          Main.run(
              "generate",
              "--model",
              TINY.toString(),
              "-p",
              "a cat",
              "--steps",
              "2",
              "-s",
              "5",
              "-W",
              "16",
              "-H",
              "16",
              "-g",
              "7",
              "--sampler",
              "Euler",
              "--quiet",
              "--out",
              out.toString(),
              "--lora",
              loras.resolve(c[1]).toString());
      assertEquals(0, code);
      assertArrayEquals(pixels(ImageIO.read(out.toFile())), got, c[0]);
      served.add(got);
    }
    assertFalse(java.util.Arrays.equals(served.get(0), served.get(1)));
    assertArrayEquals(served.get(0), served.get(2));
    assertEquals(loads, registry.loads.get(), "switching LoRAs must not reload the model");
  }

  @Test
  void badTagsAndUnknownNamesAre422ButTheNegativePromptIsNotParsed() throws Exception {
    String unknown = error("a <lora:nope:1>");
    assertTrue(unknown.contains("unknown LoRA 'nope': known in " + loras + ":"), unknown);
    assertTrue(unknown.contains("kohya_locon"), unknown);
    assertTrue(error("a <lora:peft:much>").contains("the weight 'much' is not a number"));
    assertTrue(error("a <lora:../loras/peft:1>").contains("not a path"));
    Http.Res img2img =
        Http.post(
            server.url() + "/sdapi/v1/img2img",
            "{\"prompt\":\"<lora:nope>\",\"init_images\":[\"" + tinyPng() + "\"]}");
    assertEquals(422, img2img.status(), img2img.body());
    // A1111 parses only the positive prompt: the negative prompt's tag is text
    JsonNode ok =
        post(
            "/sdapi/v1/txt2img",
            "{\"prompt\":\"a cat\",\"negative_prompt\":\"<lora:nope:1>\",\"seed\":1,"
                + "\"steps\":1,\"width\":16,\"height\":16}");
    assertEquals(1, ok.get("images").size());
  }

  private static String tinyPng() throws Exception {
    BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
    var bytes = new java.io.ByteArrayOutputStream();
    ImageIO.write(img, "png", bytes);
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  private static String error(String prompt) throws Exception {
    Http.Res r =
        Http.post(
            server.url() + "/sdapi/v1/txt2img",
            "{\"prompt\":\"" + prompt + "\",\"steps\":1,\"width\":16,\"height\":16}");
    assertEquals(422, r.status(), r.body());
    return r.body();
  }

  private static List<String> names(JsonNode list) {
    List<String> n = new ArrayList<>();
    for (JsonNode e : list) n.add(e.get("name").textValue());
    return n;
  }

  private static int[] pixels(BufferedImage img) {
    return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
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
