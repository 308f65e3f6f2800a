package org.altdiffusion.server;

import java.time.Duration;

/** Starting test servers on a free port with the test double models. */
final class Servers {
  private Servers() {}

  /** Held so that its level stays set (loggers are weakly referenced). */
  private static final java.util.logging.Logger SERVER_LOG =
      java.util.logging.Logger.getLogger("org.altdiffusion.server");

  static {
    // Keep test output readable: job-by-job lines only when something is wrong.
    SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  static ServerConfig config() {
    return ServerConfig.defaults()
        .withPort(0)
        .withLimits(512, 150, 8, 16)
        .withShutdownGrace(Duration.ofSeconds(5));
  }

  /** A started server whose initial model is already loaded. */
  static ApiServer start(ServerConfig config, TestModels models) throws Exception {
    ApiServer server = new ApiServer(config, models, null);
    awaitLoaded(server, config.apiToken());
    return server;
  }

  static void awaitLoaded(ApiServer server, String token) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      var req =
          java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(server.url() + "/api/v1/status"));
      if (token != null) req.header("Authorization", "Bearer " + token);
      Http.Res r = Http.send(req.build());
      if (r.status() == 200 && !r.json().get("loaded_model").isNull()) return;
      Thread.sleep(10);
    }
    throw new AssertionError("model did not load");
  }
}
