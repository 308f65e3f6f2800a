package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An unmodified AUTOMATIC1111 client ({@link A1111Client}, webuiapi's calls) against our server.
 */
class A1111ClientTest {
  private ApiServer server;

  @AfterEach
  void stop() {
    if (server != null) server.close();
  }

  @Test
  void txt2imgProgressInterruptAndPngInfo() throws Exception {
    server = Servers.start(Servers.config(), new TestModels(25, 64, "altdiffusion-m18"));
    A1111Client client = new A1111Client("127.0.0.1", server.port());

    assertEquals(List.of("altdiffusion-m18"), client.getSdModels());
    assertTrue(client.getSamplers().contains("Euler a"));
    assertEquals("altdiffusion-m18", client.getOptions().get("sd_model_checkpoint").textValue());

    // txt2img with webuiapi's full default payload
    A1111Client.Result r = client.txt2img("눈 덮인 산 위의 작은 오두막", 1234, "Euler a", 4, 2, 1, 64, 64);
    assertEquals(2, r.images().size());
    assertEquals(64, r.images().get(0).getWidth());
    assertEquals(1234, r.info().get("seed").asLong());
    assertEquals("[1234,1235]", r.info().get("all_seeds").toString());
    assertEquals("Euler a", r.parameters().get("sampler_name").textValue());
    String infotext = r.info().get("infotexts").get(1).textValue();
    assertTrue(infotext.startsWith("눈 덮인 산 위의 작은 오두막\nSteps: 4, Sampler: Euler a"), infotext);

    // png-info on the returned PNG gives its infotext back
    JsonNode png = client.pngInfo(r.pngs().get(1));
    assertEquals(infotext, png.get("info").textValue());
    assertEquals("1235", png.get("parameters").get("Seed").textValue());

    // progress polling while a run goes on, then interrupt: the client gets what was finished
    CompletableFuture<A1111Client.Result> running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return client.txt2img(
                    "Un phare au coucher du soleil", 77, "Euler", 12, 1, 3, 64, 64);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    List<Double> seen = new ArrayList<>();
    boolean previewSeen = false;
    JsonNode p;
    do {
      p = client.getProgress();
      seen.add(p.get("progress").asDouble());
      previewSeen |= !p.get("current_image").isNull();
      Thread.sleep(20);
    } while (p.get("state").get("job_no").asInt() < 1 || !previewSeen);
    assertEquals(3, p.get("state").get("job_count").asInt());
    assertEquals(12, p.get("state").get("sampling_steps").asInt());
    assertTrue(p.get("eta_relative").asDouble() >= 0);
    assertNotNull(p.get("textinfo").textValue());
    client.interrupt();
    A1111Client.Result partial = running.get();
    assertEquals(
        2,
        partial.images().size(),
        "the first batch, finished, and the interrupted second one as it was (A1111's way)");
    assertEquals(77, partial.info().get("seed").asLong());
    assertTrue(seen.stream().distinct().count() >= 3, "progress moved: " + seen);
    for (int i = 1; i < seen.size(); i++)
      assertTrue(
          seen.get(i) >= seen.get(i - 1) || seen.get(i - 1) == 0.0, "progress went back: " + seen);
    assertEquals(0.0, client.getProgress().get("progress").asDouble()); // idle again
  }
}
