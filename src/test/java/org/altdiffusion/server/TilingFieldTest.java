package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A1111's {@code tiling} reaches the pipeline (it was refused with a 422 before). */
class TilingFieldTest {
  ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  @Test
  void tilingIsPassedOnAndRecorded() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(0, 32, "m18"));
    for (boolean on : new boolean[] {true, false}) {
      Http.Res r =
          Http.post(
              server.url() + "/sdapi/v1/txt2img",
              "{\"prompt\":\"tiles\",\"steps\":1,\"tiling\":" + on + "}");
      assertEquals(200, r.status(), r.body());
      String infotext =
          Http.JSON.readTree(r.json().get("info").textValue()).get("infotexts").get(0).textValue();
      if (on) assertTrue(infotext.contains("Tiling: True"), infotext);
      else assertFalse(infotext.contains("Tiling"), infotext);
    }
  }
}
