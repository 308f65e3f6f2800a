package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.altdiffusion.tiny.data.Attributes;
import org.altdiffusion.tiny.data.CaptionTemplate;
import org.altdiffusion.tiny.data.Captions;
import org.altdiffusion.tiny.data.Colour;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.data.Position;
import org.altdiffusion.tiny.data.Shape;
import org.altdiffusion.tiny.data.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/v1/model}: the current model's default size (what a request without width and
 * height gets) and example prompts it knows: the model folder's own {@code examples.json}, else
 * generic ones, which are the built-in model's training captions.
 */
class ApiServerModelDefaultsTest {

  @Test
  void givesTheLoadedModelsDefaultSizeAndGenericExamples() throws Exception {
    ApiServer server = Servers.start(Servers.config(), new TestModels(0, 48, "m18"));
    try {
      JsonNode m = Http.get(server.url() + "/api/v1/model").json();
      assertEquals("m18", m.get("title").textValue());
      assertTrue(m.get("loaded").booleanValue());
      assertEquals(48, m.get("default_width").intValue());
      assertEquals(48, m.get("default_height").intValue());
      assertEquals("generic", m.get("examples_source").textValue());
      assertEquals(Language.values().length, m.get("examples").size());
      assertEquals("en", m.get("examples").get(0).get("lang").textValue());
      // the size a request without width/height really gets
      JsonNode info =
          Http.JSON.readTree(
              Http.post(server.url() + "/sdapi/v1/txt2img", "{\"steps\":1}")
                  .json()
                  .get("info")
                  .textValue());
      assertEquals(48, info.get("width").intValue());
      assertEquals(48, info.get("height").intValue());
    } finally {
      server.close();
    }
  }

  @Test
  void genericExamplesAreTheBuiltInModelsCaptionsOnePerLanguage() throws Exception {
    JsonNode file;
    try (var in = PromptExamples.class.getResourceAsStream("/web/examples.json")) {
      file = Http.JSON.readTree(in);
    }
    Set<Language> seen = EnumSet.noneOf(Language.class);
    List<PromptExample> generic = PromptExamples.generic();
    assertEquals(file.size(), generic.size());
    for (int i = 0; i < file.size(); i++) {
      JsonNode e = file.get(i);
      Language lang = Language.parse(e.get("lang").textValue());
      assertTrue(seen.add(lang), "one example per language: " + lang);
      String[] a = e.get("attributes").textValue().split("[ ,]+");
      Attributes attributes =
          new Attributes(
              Shape.parse(a[2]), Colour.parse(a[1]), Position.parse(a[3]), Size.parse(a[0]));
      CaptionTemplate template = CaptionTemplate.valueOf(e.get("template").textValue());
      assertEquals(
          Captions.bundled().caption(lang, attributes, template),
          generic.get(i).prompt(),
          "example " + i + " is the training caption of " + attributes + " in " + lang);
    }
    assertEquals(EnumSet.allOf(Language.class), seen);
  }

  @Test
  void aModelFolderMayShipItsOwnExamples(@TempDir Path root) throws Exception {
    Path own = modelFolder(root, "with-examples", "XLMRobertaTokenizer");
    Files.writeString(
        own.resolve("examples.json"),
        "[{\"lang\": \"de\", \"prompt\": \" ein roter Kreis \"}, \"a blue star\"]",
        StandardCharsets.UTF_8);
    modelFolder(root, "english-only", "CLIPTokenizer");
    Path broken = modelFolder(root, "broken-examples", "XLMRobertaTokenizer");
    Files.writeString(broken.resolve("examples.json"), "{\"prompt\": 1}", StandardCharsets.UTF_8);
    List<TestImageGenerator> loaded = new ArrayList<>();
    FolderModelRegistry registry =
        new FolderModelRegistry(
            root,
            (path, name) -> {
              TestImageGenerator g = new TestImageGenerator(name, 0, 40);
              loaded.add(g);
              return g;
            });
    ApiServer server = new ApiServer(Servers.config(), registry, "with-examples");
    try {
      Servers.awaitLoaded(server, null);
      JsonNode m = Http.get(server.url() + "/api/v1/model").json();
      assertEquals("model", m.get("examples_source").textValue());
      assertEquals(2, m.get("examples").size());
      assertEquals("de", m.get("examples").get(0).get("lang").textValue());
      assertEquals("ein roter Kreis", m.get("examples").get(0).get("prompt").textValue());
      assertTrue(m.get("examples").get(1).get("lang").isNull());
      assertEquals("a blue star", m.get("examples").get(1).get("prompt").textValue());
      assertEquals(40, m.get("default_width").intValue());

      switchTo(server, "english-only");
      m = Http.get(server.url() + "/api/v1/model").json();
      assertEquals("generic", m.get("examples_source").textValue());
      assertEquals(1, m.get("examples").size(), m.toString());
      assertEquals("a red circle", m.get("examples").get(0).get("prompt").textValue());

      switchTo(server, "broken-examples"); // logged, and the generic examples offered
      m = Http.get(server.url() + "/api/v1/model").json();
      assertEquals("generic", m.get("examples_source").textValue());
      assertEquals(Language.values().length, m.get("examples").size());
    } finally {
      server.close();
    }
  }

  @Test
  void malformedExampleFilesAreRefusedSayingWhy(@TempDir Path dir) throws Exception {
    for (String[] c :
        new String[][] {
          {"{}", "JSON array"},
          {"[1]", "non-empty \"prompt\""},
          {"[{\"prompt\": \"  \"}]", "non-empty \"prompt\""},
          {"[{\"lang\": \"../x\", \"prompt\": \"x\"}]", "language code"},
          {"[{\"prompt\": \"" + "x".repeat(1001) + "\"}]", "longer than 1000"},
          {"[" + "\"x\",".repeat(200) + "\"x\"]", "at most 200"},
          {"[", "not valid JSON"}
        }) {
      Path f = dir.resolve("examples.json");
      Files.writeString(f, c[0], StandardCharsets.UTF_8);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> PromptExamples.read(f));
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
    Path big = dir.resolve("big.json");
    Files.write(big, new byte[(int) PromptExamples.MAX_FILE_BYTES + 1]);
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> PromptExamples.read(big))
            .getMessage()
            .contains("at most"));
  }

  private static void switchTo(ApiServer server, String title) throws Exception {
    Http.Res r =
        Http.post(
            server.url() + "/sdapi/v1/options", "{\"sd_model_checkpoint\":\"" + title + "\"}");
    assertEquals(200, r.status(), r.body());
  }

  private static Path modelFolder(Path root, String name, String tokenizer) throws Exception {
    Path dir = Files.createDirectories(root.resolve(name));
    Files.writeString(
        dir.resolve("model_index.json"),
        "{\"_class_name\": \"AltDiffusionPipeline\", \"tokenizer\": [\"transformers\", \""
            + tokenizer
            + "\"]}",
        StandardCharsets.UTF_8);
    return dir;
  }
}
