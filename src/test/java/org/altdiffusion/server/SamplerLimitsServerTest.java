package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.altdiffusion.pipeline.SamplerModesTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sampler that cannot serve the model is a 422 naming the ones that can, before any step. */
class SamplerLimitsServerTest {
  ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  @Test
  void aSamplerWithoutTheModelsPredictionTypeIsA422NamingThoseWithIt(@TempDir Path tmp)
      throws Exception {
    Path x0 = SamplerModesTest.folderPredicting(tmp, "sample");
    server = new ApiServer(Servers.config(), new TinyModelRegistry(x0), null);
    Servers.awaitLoaded(server, null);
    Http.Res r =
        Http.post(
            server.url() + "/sdapi/v1/txt2img",
            "{\"prompt\":\"x\",\"steps\":2,\"width\":32,\"height\":32,\"sampler_name\":\"Euler"
                + " a\"}");
    assertEquals(422, r.status(), r.body());
    assertTrue(
        r.body().contains("'Euler a' cannot sample a model with sample (x0) prediction")
            && r.body().contains("samplers that can: DDIM, Euler, "),
        r.body());
    Http.Res ok =
        Http.post(
            server.url() + "/sdapi/v1/txt2img",
            "{\"prompt\":\"x\",\"steps\":2,\"width\":32,\"height\":32,\"sampler_name\":\"Euler\"}");
    assertEquals(200, ok.status(), ok.body());
  }
}
