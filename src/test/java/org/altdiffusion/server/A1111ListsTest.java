package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.altdiffusion.io.png.PngText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The A1111 listings clients read at start, and prompt styles in requests. */
class A1111ListsTest {
  private ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private JsonNode get(String path) throws Exception {
    Http.Res r = Http.get(server.url() + path);
    assertEquals(200, r.status(), path + ": " + r.body());
    return r.json();
  }

  private ServerConfig withStyles(Path dir) throws Exception {
    Path file = dir.resolve("styles.csv");
    Files.writeString(
        file,
        "name,prompt,negative_prompt\n"
            + "Photo,\"photo of {prompt}, sharp\",blurry\n"
            + "Oil,oil painting,\"\"\n");
    return Servers.config().withStyles(PromptStyles.load(file));
  }

  @Test
  void embeddingsListTheFolderInA1111Shape(@TempDir Path dir) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("embeddings"));
    Path fixtures = Path.of("src/test/resources/fixtures/prompts/embeddings");
    Files.copy(fixtures.resolve("tistyle.pt"), folder.resolve("tistyle.pt"));
    Files.copy(fixtures.resolve("tiobject.safetensors"), folder.resolve("tiobject.safetensors"));
    Files.writeString(folder.resolve("broken.pt"), "not a checkpoint");
    ServerConfig config =
        Servers.config().withEmbeddings(org.altdiffusion.prompt.Embeddings.folder(folder));
    server = Servers.start(config, new TestModels(0, 64, "m18"));
    JsonNode e = get("/sdapi/v1/embeddings");
    assertEquals(
        "{\"step\":null,\"sd_checkpoint\":null,\"sd_checkpoint_name\":null,\"shape\":16,"
            + "\"vectors\":2}",
        e.get("loaded").get("tistyle").toString());
    assertEquals(1, e.get("loaded").get("tiobject").get("vectors").asInt());
    assertEquals(0, e.get("skipped").get("broken").get("vectors").asInt());
  }

  @Test
  void listsAnswerInA1111Shapes(@TempDir Path dir) throws Exception {
    ServerConfig config = withStyles(dir);
    server = Servers.start(config, new TestModels(0, 64, "m18"));
    assertEquals("[]", get("/sdapi/v1/sd-vae").toString());
    assertEquals(
        "[{\"name\":\"Latent\"},{\"name\":\"Latent (antialiased)\"},{\"name\":\"Latent"
            + " (bicubic)\"},{\"name\":\"Latent (bicubic antialiased)\"},{\"name\":\"Latent"
            + " (nearest)\"},{\"name\":\"Latent (nearest-exact)\"}]",
        get("/sdapi/v1/latent-upscale-modes").toString());
    assertEquals(
        "[{\"name\":\"None\",\"model_name\":null,\"model_path\":null,\"model_url\":null,"
            + "\"scale\":4},{\"name\":\"Lanczos\",\"model_name\":null,\"model_path\":null,"
            + "\"model_url\":null,\"scale\":4}]",
        get("/sdapi/v1/upscalers").toString());
    assertEquals(
        "[{\"name\":\"Photo\",\"prompt\":\"photo of {prompt},"
            + " sharp\",\"negative_prompt\":\"blurry\"},{\"name\":\"Oil\",\"prompt\":\"oil"
            + " painting\",\"negative_prompt\":\"\"}]",
        get("/sdapi/v1/prompt-styles").toString());
    assertEquals("{\"loaded\":{},\"skipped\":{}}", get("/sdapi/v1/embeddings").toString());

    JsonNode memory = get("/sdapi/v1/memory");
    assertEquals("{\"error\":\"unavailable\"}", memory.get("cuda").toString());
    JsonNode ram = memory.get("ram");
    long used = ram.get("used").asLong();
    long total = ram.get("total").asLong();
    assertTrue(used > 10L << 20 && used < total, ram.toString()); // a JVM holds over 10 MiB
    assertEquals(total - used, ram.get("free").asLong());

    JsonNode flags = get("/sdapi/v1/cmd-flags");
    assertEquals("127.0.0.1", flags.get("server_name").textValue());
    assertEquals(0, flags.get("port").asInt()); // as started: --port 0, any free port
    assertFalse(flags.get("listen").booleanValue());
    assertTrue(flags.get("api").booleanValue());
    assertEquals(dir.resolve("styles.csv").toString(), flags.get("styles_file").get(0).asText());
    assertEquals(512, flags.get("max_side").asInt());
    assertFalse(flags.get("api_token_set").booleanValue());
    assertFalse(flags.toString().contains("token\":\""), flags.toString());
  }

  @Test
  void withoutStylesTheListIsEmpty() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
    assertEquals("[]", get("/sdapi/v1/prompt-styles").toString());
    assertEquals("[]", get("/sdapi/v1/cmd-flags").get("styles_file").toString());
    Http.Res r =
        Http.post(server.url() + "/sdapi/v1/txt2img", "{\"styles\":[\"Photo\"],\"steps\":1}");
    assertEquals(422, r.status(), r.body());
    assertTrue(r.json().get("detail").textValue().contains("--styles"), r.body());
  }

  @Test
  void stylesShapeThePromptsAndTheInfotext(@TempDir Path dir) throws Exception {
    server = Servers.start(withStyles(dir), new TestModels(0, 64, "m18"));
    Http.Res r =
        Http.post(
            server.url() + "/sdapi/v1/txt2img",
            "{\"prompt\":\"a cat\",\"negative_prompt\":\"ugly\",\"styles\":[\"Photo\",\"Oil\"],"
                + "\"seed\":3,\"steps\":2,\"width\":64,\"height\":64}");
    assertEquals(200, r.status(), r.body());
    JsonNode body = r.json();
    JsonNode info = Http.JSON.readTree(body.get("info").textValue());
    assertEquals("photo of a cat, sharp, oil painting", info.get("prompt").textValue());
    assertEquals("ugly, blurry", info.get("negative_prompt").textValue());
    assertEquals("[\"Photo\",\"Oil\"]", info.get("styles").toString());
    assertEquals("ugly, blurry", info.get("all_negative_prompts").get(0).textValue());
    assertEquals("[\"Photo\",\"Oil\"]", body.get("parameters").get("styles").toString());
    String parameters =
        PngText.read(Base64.getDecoder().decode(body.get("images").get(0).textValue()))
            .get("parameters");
    assertTrue(
        parameters.startsWith(
            "photo of a cat, sharp, oil painting\nNegative prompt: ugly, blurry\n"),
        parameters);

    Http.Res unknown =
        Http.post(server.url() + "/sdapi/v1/txt2img", "{\"styles\":[\"Oil\",\"Watercolour\"]}");
    assertEquals(422, unknown.status(), unknown.body());
    assertTrue(
        unknown.json().get("detail").textValue().contains("'Watercolour'; known: Photo, Oil"),
        unknown.body());
    Http.Res notText = Http.post(server.url() + "/sdapi/v1/txt2img", "{\"styles\":[1]}");
    assertEquals(422, notText.status(), notText.body());
    Http.Res job = Http.post(server.url() + "/api/v1/jobs", "{\"styles\":[\"Nope\"]}");
    assertEquals(422, job.status(), job.body());
  }

  @Test
  void variationSeedsReachTheGeneratorBatchByBatch() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
    String t2i = server.url() + "/sdapi/v1/txt2img";
    Http.Res r =
        Http.post(
            t2i,
            "{\"seed\":5,\"subseed\":41,\"subseed_strength\":0.25,\"batch_size\":2,"
                + "\"n_iter\":2,\"steps\":1,\"width\":64,\"height\":64}");
    assertEquals(200, r.status(), r.body());
    JsonNode info = Http.JSON.readTree(r.json().get("info").textValue());
    assertEquals(41, info.get("subseed").asLong());
    assertEquals("[41,42,43,44]", info.get("all_subseeds").toString());
    assertEquals(0.25, info.get("subseed_strength").asDouble());
    String last = info.get("infotexts").get(3).textValue();
    assertTrue(
        last.contains("Seed: 8,")
            && last.contains("Variation seed: 44, Variation seed strength: 0.25"),
        last);

    Http.Res random =
        Http.post(t2i, "{\"seed\":5,\"subseed_strength\":1,\"steps\":1,\"n_iter\":2}");
    JsonNode ri = Http.JSON.readTree(random.json().get("info").textValue());
    long sub = ri.get("subseed").asLong();
    assertTrue(sub >= 0, ri.toString()); // -1 resolved to a random seed, as A1111
    assertEquals("[" + sub + "," + (sub + 1) + "]", ri.get("all_subseeds").toString());

    JsonNode none =
        Http.JSON.readTree(
            Http.post(t2i, "{\"seed\":5,\"subseed\":41,\"steps\":1}")
                .json()
                .get("info")
                .textValue());
    assertEquals(-1, none.get("subseed").asLong()); // strength 0: no variation
    assertFalse(none.get("infotexts").get(0).textValue().contains("Variation"));

    Http.Res resize = Http.post(t2i, "{\"seed_resize_from_w\":512,\"steps\":1}");
    assertEquals(422, resize.status(), resize.body());
    assertTrue(resize.json().get("detail").textValue().contains("resize seed from"), resize.body());
    assertEquals(
        200, Http.post(t2i, "{\"seed_resize_from_w\":0,\"seed_resize_from_h\":-1}").status());
    Http.Res strong = Http.post(t2i, "{\"subseed_strength\":1.5}");
    assertEquals(422, strong.status(), strong.body());
  }
}
