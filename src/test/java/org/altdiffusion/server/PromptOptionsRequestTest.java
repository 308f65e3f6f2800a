package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import org.altdiffusion.models.text.PromptOptions;
import org.altdiffusion.pipeline.GenerationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server reads prompts as A1111 does, and takes A1111's clip skip from override_settings. */
class PromptOptionsRequestTest {
  private ApiServer server;
  private final TestModels models = new TestModels(0, 64, "m18");

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  private GenerationRequest post(String body, int status) throws Exception {
    if (server == null) server = Servers.start(Servers.config(), models);
    Http.Res r = Http.post(server.url() + "/sdapi/v1/txt2img", body);
    assertEquals(status, r.status(), r.body());
    return status == 200 ? models.loaded.get(0).lastRequest : null;
  }

  @Test
  void a1111SyntaxByDefaultAndClipSkipFromOverrideSettings() throws Exception {
    GenerationRequest plain = post("{\"prompt\":\"a (cat:1.2)\",\"steps\":1}", 200);
    assertEquals(PromptOptions.Syntax.A1111, plain.promptOptions().syntax());
    assertEquals(1, plain.promptOptions().clipSkip());
    GenerationRequest skip =
        post(
            "{\"prompt\":\"a cat\",\"steps\":1,"
                + "\"override_settings\":{\"CLIP_stop_at_last_layers\":2}}",
            200);
    assertEquals(2, skip.promptOptions().clipSkip());
  }

  @Test
  void badClipSkipIs422() throws Exception {
    for (String v : new String[] {"0", "13", "1.5", "\"two\""})
      post(
          "{\"prompt\":\"a cat\",\"steps\":1,"
              + "\"override_settings\":{\"CLIP_stop_at_last_layers\":"
              + v
              + "}}",
          422);
  }
}
