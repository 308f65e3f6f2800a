package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.Map;
import org.altdiffusion.io.png.PngText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ApiServerTest {
  private ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  @Test
  void txt2imgAnswersInA1111Shape() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 64, "m18"));
    Http.Res r = Http.post(server.url() + "/sdapi/v1/txt2img",
        "{\"prompt\":\"一只猫\",\"seed\":7,\"steps\":3,\"batch_size\":2,\"n_iter\":2,\"width\":64,\"height\":48,\"sampler_name\":\"k_euler_a\",\"unknown_field\":1}");
    assertEquals(200, r.status(), r.body());
    JsonNode body = r.json();
    assertEquals(4, body.get("images").size());
    JsonNode info = Http.JSON.readTree(body.get("info").textValue());
    assertEquals("一只猫", info.get("prompt").textValue());
    assertEquals("[7,8,9,10]", info.get("all_seeds").toString());
    assertEquals(4, info.get("infotexts").size());
    assertEquals("Euler a", info.get("sampler_name").textValue());
    assertEquals(7, body.get("parameters").get("seed").asInt());
    byte[] png = Base64.getDecoder().decode(body.get("images").get(2).textValue());
    Map<String, String> text = PngText.read(png);
    assertTrue(text.get("parameters").contains("Seed: 9"), text.toString());
    assertTrue(text.get("parameters").startsWith("一只猫\n"), text.toString());
  }
}
