package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A1111's standalone VAEs: /sdapi/v1/sd-vae lists the folder, sd_vae chooses and reloads. */
class ApiServerVaeTest {
  @Test
  void listsChoosesAndReloads(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("ft-mse.safetensors"), new byte[0]);
    Files.createDirectories(dir.resolve("folder-vae"));
    Files.writeString(dir.resolve("folder-vae/config.json"), "{}");
    Files.writeString(dir.resolve("notes.txt"), "not a VAE");
    VaeFolder vaes = new VaeFolder(dir);
    TestModels models = new TestModels(0, 64, "m");
    models.vaes = vaes;
    try (ApiServer server = Servers.start(Servers.config(), models)) {
      String base = server.url() + "/sdapi/v1/";
      Http.Res list = Http.get(base + "sd-vae");
      assertEquals(200, list.status());
      assertEquals(2, list.json().size(), list.json().toString());
      assertEquals("folder-vae", list.json().get(0).get("model_name").asText());
      assertEquals("ft-mse.safetensors", list.json().get(1).get("filename").asText());
      assertEquals("Automatic", Http.get(base + "options").json().get("sd_vae").asText());
      int loads = models.loaded.size();

      assertEquals(200, Http.post(base + "options", "{\"sd_vae\": \"ft-mse\"}").status());
      assertEquals("ft-mse.safetensors", Http.get(base + "options").json().get("sd_vae").asText());
      assertEquals(dir.resolve("ft-mse.safetensors").toAbsolutePath(), vaes.selectedPath());
      assertEquals(loads + 1, models.loaded.size(), "the model is reloaded with the new VAE");
      assertEquals(200, Http.post(base + "options", "{\"sd_vae\": \"ft-mse\"}").status());
      assertEquals(loads + 1, models.loaded.size(), "the same VAE again reloads nothing");

      Http.Res unknown = Http.post(base + "options", "{\"sd_vae\": \"nope\"}");
      assertEquals(404, unknown.status());
      assertTrue(unknown.body().contains("ft-mse.safetensors"), unknown.body());
      assertEquals(422, Http.post(base + "options", "{\"sd_vae\": 3}").status());
      assertEquals(200, Http.post(base + "options", "{\"sd_vae\": \"None\"}").status());
      assertNull(vaes.selectedPath());
    }
  }
}
