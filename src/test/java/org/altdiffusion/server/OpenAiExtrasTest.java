package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our A1111 extras on the OpenAI images API: prompt styles and variation seeds, as JSON fields of
 * generations and as (repeated) form fields of edits, documented in /openapi.json.
 */
class OpenAiExtrasTest {
  private ApiServer server;

  @BeforeEach
  void start() throws Exception {
    PromptStyles styles =
        PromptStyles.parse(
            "name,prompt,negative_prompt\nred,\"{prompt}, in red\",blurry\nsquare,a square,\n");
    server = Servers.start(Servers.config().withStyles(styles), new TestModels(0, 64, "m18"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Http.Res postJson(String path, String json) throws Exception {
    return Http.send(
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  private Http.Res postForm(String path, OpenAiImagesTest.Form form) throws Exception {
    return Http.send(
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .timeout(Duration.ofSeconds(60))
            .header(
                "Content-Type", "multipart/form-data; boundary=" + OpenAiImagesTest.Form.BOUNDARY)
            .POST(HttpRequest.BodyPublishers.ofByteArray(form.bytes()))
            .build());
  }

  private static String infotext(Http.Res r, int i) {
    assertEquals(200, r.status(), r.body());
    String b64 = r.json().get("data").get(i).get("b64_json").textValue();
    return PngInfo.read(ImageInput.decode("x", b64)).get("info").textValue();
  }

  @Test
  void generationsApplyStylesAndVariationSeeds() throws Exception {
    Http.Res r =
        postJson(
            "/v1/images/generations",
            "{\"prompt\":\"a cat\",\"size\":\"64x64\",\"n\":2,\"seed\":5,\"steps\":3,"
                + "\"styles\":[\"red\",\"square\"],\"subseed\":70,\"subseed_strength\":0.25}");
    String first = infotext(r, 0);
    assertTrue(first.startsWith("a cat, in red, a square\nNegative prompt: blurry\n"), first);
    assertTrue(first.contains("Variation seed: 70"), first);
    assertTrue(first.contains("Variation seed strength: 0.25"), first);
    assertTrue(infotext(r, 1).contains("Variation seed: 71"), infotext(r, 1));
  }

  @Test
  void editsTakeStylesAsRepeatedFormFields() throws Exception {
    OpenAiImagesTest.Form form =
        new OpenAiImagesTest.Form()
            .file("image", "a.png", "image/png", OpenAiImagesTest.png(64, 64, 0xFF336699))
            .field("prompt", "a dog")
            .field("steps", "4")
            .field("styles[]", "square")
            .field("styles[]", "red")
            .field("subseed", "9")
            .field("subseed_strength", "0.5");
    String info = infotext(postForm("/v1/images/edits", form), 0);
    assertTrue(info.startsWith("a dog, a square, in red\nNegative prompt: blurry\n"), info);
    assertTrue(info.contains("Variation seed: 9, Variation seed strength: 0.5"), info);
    OpenAiImagesTest.Form plain =
        new OpenAiImagesTest.Form()
            .file("image", "a.png", "image/png", OpenAiImagesTest.png(64, 64, 0xFF336699))
            .field("steps", "4")
            .field("styles", "red");
    assertTrue(
        infotext(postForm("/v1/images/variations", plain), 0).contains("Negative prompt: blurry"));
  }

  @Test
  void badExtrasAreOpenAiErrorsNamingTheField() throws Exception {
    assertError(
        postJson("/v1/images/generations", "{\"prompt\":\"x\",\"styles\":[\"blue\"]}"),
        "styles",
        "blue");
    assertError(
        postJson("/v1/images/generations", "{\"prompt\":\"x\",\"styles\":\"red\"}"),
        "styles",
        "array");
    assertError(
        postJson("/v1/images/generations", "{\"prompt\":\"x\",\"subseed_strength\":1.5}"),
        "subseed_strength",
        "from 0.0 to 1.0");
    assertError(
        postJson("/v1/images/generations", "{\"prompt\":\"x\",\"subseed\":\"seven\"}"),
        "subseed",
        "integer");
    OpenAiImagesTest.Form form =
        new OpenAiImagesTest.Form()
            .file("image", "a.png", "image/png", OpenAiImagesTest.png(64, 64, 0xFF336699))
            .field("styles[]", "nope");
    assertError(postForm("/v1/images/variations", form), "styles", "nope");
  }

  private static void assertError(Http.Res r, String param, String part) {
    assertEquals(400, r.status(), r.body());
    JsonNode e = r.json().get("error");
    assertEquals(param, e.get("param").textValue(), r.body());
    assertTrue(e.get("message").textValue().contains(part), r.body());
  }

  @Test
  void theExtrasAreInTheOpenApiSchemas() throws Exception {
    JsonNode schemas =
        Http.get(server.url() + "/openapi.json").json().get("components").get("schemas");
    for (String request :
        new String[] {
          "OpenAiImageGenerationRequest", "OpenAiImageEditRequest", "OpenAiImageVariationRequest"
        }) {
      JsonNode p = schemas.get(request).get("properties");
      assertEquals("array", p.get("styles").get("type").textValue(), request);
      assertEquals("red", p.get("styles").get("items").get("enum").get(0).textValue(), request);
      assertEquals(1, p.get("subseed_strength").get("maximum").asInt(), request);
      assertEquals(-1, p.get("subseed").get("minimum").asInt(), request);
    }
  }
}
