package org.altdiffusion.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many clients at once against a small queue: each gets its own result or a 503, nothing hangs or
 * leaks.
 */
class ServerLoadTest {
  static final int CLIENTS = 200;
  static final int ROUNDS = 3;

  @Test
  void twoHundredConcurrentRequestsAgainstAQueueOfEight() throws Exception {
    ApiServer server =
        Servers.start(Servers.config().withQueueCapacity(8), new TestModels(2, 32, "m18"));
    try {
      for (int i = 0; i < 3; i++)
        assertEquals(
            200,
            Http.post(server.url() + "/sdapi/v1/txt2img", "{\"steps\":3,\"seed\":1}").status());
      long before = heapAfterGc();

      int ok = 0;
      int busy = 0;
      List<Long> heapAfterRound = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          HttpRequest r =
              HttpRequest.newBuilder(URI.create(server.url() + "/sdapi/v1/txt2img"))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofSeconds(60))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"prompt\":\"load "
                              + i
                              + "\",\"seed\":"
                              + (1000 + i)
                              + ",\"steps\":5}"))
                  .build();
          calls.add(Http.CLIENT.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
        }
        // Bounded: every request is answered well within this time, or the test fails.
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        for (int i = 0; i < CLIENTS; i++) {
          HttpResponse<String> res = calls.get(i).get();
          JsonNode body = Http.JSON.readTree(res.body());
          if (res.statusCode() == 200) {
            ok++;
            JsonNode info = Http.JSON.readTree(body.get("info").textValue());
            assertEquals(
                1000 + i, info.get("seed").asLong(), "each client gets its own job's result");
            assertEquals("load " + i, info.get("prompt").textValue());
            assertEquals(1, body.get("images").size());
          } else {
            assertEquals(503, res.statusCode(), res.body());
            busy++;
            assertTrue(res.headers().firstValue("Retry-After").isPresent());
            assertTrue(body.get("detail").textValue().contains("queue is full"), res.body());
          }
        }
        calls.clear();
        heapAfterRound.add(heapAfterGc());
      }
      System.out.printf(
          "load: %d requests -> %d results, %d refused (503)%n", ROUNDS * CLIENTS, ok, busy);
      assertEquals(ROUNDS * CLIENTS, ok + busy);
      assertTrue(
          ok >= ROUNDS * 9,
          "at least the running job and the 8 queued ones of each round succeed: " + ok);

      // the server is still up and serves normally
      assertEquals(200, Http.get(server.url() + "/sdapi/v1/progress").status());
      assertEquals(200, Http.post(server.url() + "/sdapi/v1/txt2img", "{\"steps\":2}").status());
      JsonNode status = Http.get(server.url() + "/api/v1/status").json();
      assertEquals(0, status.get("queue_waiting").asInt());

      long after = heapAfterGc();
      System.out.printf(
          "load: heap after GC %.1f MB before, after each round %s MB, at the end %.1f MB%n",
          before / 1e6,
          heapAfterRound.stream().map(b -> String.format("%.1f", b / 1e6)).toList(),
          after / 1e6);
      // The first round fills the client's connection pool; later rounds must not add to the heap.
      long perRound = heapAfterRound.get(ROUNDS - 1) - heapAfterRound.get(0);
      assertTrue(
          perRound < 4_000_000L,
          "heap grew by " + perRound / 1000 + " kB between rounds 1 and " + ROUNDS);
      assertTrue(
          after - before < 24_000_000L, "heap grew by " + (after - before) / 1_000_000 + " MB");
    } finally {
      server.close();
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
