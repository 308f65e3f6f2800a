package org.altdiffusion.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.altdiffusion.lora.LoraFolder;

/**
 * The HTTP server: AUTOMATIC1111's API under {@code /sdapi/v1}, an asynchronous job API under
 * {@code /api/v1}, the web page at {@code /} and {@code /openapi.json}, on the JDK's built-in HTTP
 * server. Generation runs on one worker thread through a bounded {@link JobQueue}; requests that
 * wait for a job hold no HTTP thread (their answer is sent when the job ends).
 *
 * <p>Safety: binds to loopback unless given a token (or told {@code insecureNoToken}); checks the
 * token, the Host header (no DNS rebinding when there is no token), the Origin of state-changing
 * requests and the JSON content type (no cross-site form posts); bounds body size and every request
 * field. Client mistakes are 4xx with {@code {error, detail}}; nothing a client sends reads or
 * writes a path.
 *
 * <p>The routes live by family: {@link A1111Routes}, {@link A1111Lists}, {@link LoraRoutes}, {@link
 * JobRoutes}, {@link OpenAiImages}; the checks before every handler in {@link RequestChecks}.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());

  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY every keep-alive
    // answer waits for the client's delayed ACK (about 40 ms). Read once, when the first server
    // starts.
    if (System.getProperty("sun.net.httpserver.nodelay") == null)
      System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final ServerConfig config;
  private final Models models;
  private final JobQueue queue;
  private final OpenAiImages openAi;
  private final StaticAssets assets = new StaticAssets();
  private final List<Route> routes = new ArrayList<>();
  private final byte[] openApi;
  private final LoraRoutes loras;
  private final JobFactory jobs;
  private final RequestChecks checks;
  private final boolean loopback;
  private final HttpServer http;
  private final ExecutorService pool;

  /** Exchanges accepted and not yet answered. */
  private final AtomicInteger inFlight = new AtomicInteger();

  /**
   * Creates and starts a server; the initial model starts loading on the worker at once.
   *
   * @param initialModel title of the model to start with, null = the first one listed
   * @throws IllegalStateException when asked to listen beyond loopback without a token
   */
  public ApiServer(ServerConfig config, ModelRegistry registry, String initialModel)
      throws IOException {
    this(config, registry, initialModel, new LoraFolder(Path.of("models", "lora")));
  }

  /**
   * As {@link #ApiServer(ServerConfig, ModelRegistry, String)}, with the folder of the LoRAs that
   * prompts name with {@code <lora:NAME:WEIGHT>}.
   */
  public ApiServer(
      ServerConfig config, ModelRegistry registry, String initialModel, LoraFolder loraFolder)
      throws IOException {
    this.loras = new LoraRoutes(loraFolder);
    this.config = config;
    InetAddress address = InetAddress.getByName(config.host());
    this.loopback = address.isLoopbackAddress();
    if (!loopback && config.apiToken() == null && !config.insecureNoToken()) {
      throw new IllegalStateException(
          "refusing to listen on "
              + config.host()
              + " without an API token: anyone who can reach this address could use the server."
              + " Give --api-token TOKEN (or ALTDIFFUSION_API_TOKEN), or --insecure-no-token to"
              + " accept that.");
    }
    this.models = new Models(registry, initialModel);
    this.jobs = new JobFactory(models, loras);
    this.checks = new RequestChecks(config, loopback);
    OutputFolder output = config.outputDir() == null ? null : new OutputFolder(config.outputDir());
    try {
      this.http = HttpServer.create(new InetSocketAddress(address, config.port()), 512);
    } catch (java.net.BindException e) {
      throw new IOException(
          "cannot listen on "
              + config.host()
              + ":"
              + config.port()
              + " ("
              + e.getMessage()
              + "); is another server running there? Pick another --port");
    }
    this.queue =
        new JobQueue(
            config.queueCapacity(),
            config.keepFinishedJobs(),
            config.finishedJobTtl(),
            new Txt2ImgRunner(models, output, loras, config));
    this.openAi =
        new OpenAiImages(
            config, models, (r, kind) -> queue.submit(jobs.newJob(r, kind, false)), this::url);
    defineRoutes();
    this.openApi = Json.bytes(OpenApi.document(routes, config));
    AtomicInteger threadNo = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            config.httpThreads(),
            config.httpThreads(),
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "altdiffusion-http-" + threadNo.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    http.createContext("/", this::dispatch);
    http.setExecutor(pool);
    http.start();
    if (models.current() != null)
      queue.submit(new Job(Job.Kind.LOAD_MODEL, false, null, models.current(), 0));
    LOG.info(
        "listening on http://"
            + hostForUrl()
            + ":"
            + port()
            + "/ (model "
            + models.current()
            + ", queue "
            + config.queueCapacity()
            + (config.apiToken() != null
                ? ", API token required"
                : loopback ? ", loopback only" : ", NO TOKEN on a non-loopback address")
            + ")");
  }

  private String hostForUrl() {
    String h = config.host();
    return h.contains(":") ? "[" + h + "]" : h;
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:7860}. */
  public String url() {
    return "http://" + hostForUrl() + ":" + port();
  }

  /** The title of the current model. */
  public String currentModel() {
    return models.current();
  }

  /**
   * Stops: refuses new jobs, cancels waiting ones, lets the running one finish (or cancels it after
   * the grace), then closes.
   */
  @Override
  public void close() {
    LOG.info("shutting down");
    queue.shutdown(config.shutdownGrace());
    // Let the answers of the jobs just ended go out before connections are closed.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    http.stop(0);
    pool.shutdown();
    models.release();
    LOG.info("stopped");
  }

  // ---------------------------------------------------------------- routes

  private void defineRoutes() {
    String web = "web";
    add(
        Route.get("/", "webPage", "The web page", web)
            .open()
            .media("text/html")
            .handler(r -> assets.reply("/")));
    add(
        Route.get("/app.js", "webScript", "The web page's script", web)
            .open()
            .media("text/javascript")
            .handler(r -> assets.reply("/app.js")));
    add(
        Route.get("/style.css", "webStyle", "The web page's style sheet", web)
            .open()
            .media("text/css")
            .handler(r -> assets.reply("/style.css")));
    add(
        Route.get("/openapi.json", "openApi", "This document", web)
            .open()
            .handler(r -> Reply.bytes(Reply.JSON, openApi)));

    new A1111Routes(config, models, queue, jobs).routes().forEach(this::add);
    new JobRoutes(config, models, queue, jobs).routes().forEach(this::add);
    openAi.routes().forEach(this::add);
    loras.routes().forEach(this::add);
    new ControlNetRoutes(config).routes().forEach(this::add);
    new A1111Lists(config, () -> models.registry().vaes().names()).routes().forEach(this::add);
  }

  private void add(Route r) {
    routes.add(r);
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private void dispatch(HttpExchange ex) {
    boolean head = ex.getRequestMethod().equalsIgnoreCase("HEAD");
    inFlight.incrementAndGet();
    try {
      Reply reply = route(ex);
      if (reply.later() != null) {
        reply
            .later()
            .whenCompleteAsync(
                (r, t) -> send(ex, r != null ? r : internalError(ex, t), head), pool);
      } else {
        send(ex, reply, head);
      }
    } catch (ApiException e) {
      send(ex, errorReply(ex, e), head);
    } catch (Throwable t) {
      send(ex, internalError(ex, t), head);
    }
  }

  /** The error answer: OpenAI's shape under /v1/, {error, detail} elsewhere. */
  private static Reply errorReply(HttpExchange ex, ApiException e) {
    return OpenAiJson.owns(ex.getRequestURI().getPath()) ? OpenAiJson.error(e) : Reply.error(e);
  }

  private Reply internalError(HttpExchange ex, Throwable t) {
    LOG.log(Level.WARNING, "internal error", t);
    return errorReply(
        ex,
        new ApiException(
            500,
            "Internal Server Error",
            t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage())));
  }

  private Reply route(HttpExchange ex) throws Exception {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    if (method.equals("HEAD")) method = "GET";
    String path = ex.getRequestURI().getPath();
    if (path == null || path.isEmpty()) path = "/";
    // Only the most specific template that matches counts: /api/v1/jobs/img2img is not a job id.
    List<Route> matching = new ArrayList<>();
    int best = -1;
    for (Route r : routes) {
      if (r.match(path) == null) continue;
      int literal = r.literalSegments();
      if (literal > best) {
        matching.clear();
        best = literal;
      }
      if (literal == best) matching.add(r);
    }
    Route chosen = null;
    Map<String, String> params = null;
    for (Route r : matching) {
      if (r.method.equals(method)) {
        chosen = r;
        params = r.match(path);
      }
    }
    // Unread bodies of refused requests are drained (up to a bound) by HttpExchange.close().
    if (matching.isEmpty()) {
      throw ApiException.notFound(
          "Not Found",
          "no endpoint " + Json.abbreviate(path) + "; the API is described at /openapi.json");
    }
    String allow = String.join(", ", matching.stream().map(r -> r.method).toList());
    if (chosen == null) {
      if (method.equals("OPTIONS"))
        return new Reply(204, null, new byte[0], Map.of("Allow", allow), null);
      throw new ApiException(
          405,
          "Method Not Allowed",
          method + " is not served at " + path + "; allowed: " + allow,
          Map.of("Allow", allow));
    }
    checks.checkHost(ex);
    if (chosen.authenticated) checks.checkToken(ex);
    checks.checkOrigin(ex, method);
    // Routes without a documented body ignore whatever is sent (A1111 clients post empty bodies).
    byte[] body = new byte[0];
    if (chosen.requestSchema != null) {
      body = checks.readBody(ex);
      if (body.length > 0 && chosen.requestMedia.equals("application/json"))
        RequestChecks.checkContentType(ex);
    }
    Request request =
        new Request(
            method, path, params, ex.getRequestURI().getRawQuery(), ex.getRequestHeaders(), body);
    return chosen.handler.handle(request);
  }

  private void send(HttpExchange ex, Reply reply, boolean head) {
    try {
      var h = ex.getResponseHeaders();
      reply.headers().forEach(h::set);
      if (reply.contentType() != null) h.set("Content-Type", reply.contentType());
      h.set("X-Content-Type-Options", "nosniff");
      h.set("Cache-Control", "no-store");
      h.set("Referrer-Policy", "no-referrer");
      h.set("X-Frame-Options", "DENY");
      if (reply.contentType() != null && reply.contentType().startsWith("text/html")) {
        h.set(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none';"
                + " base-uri 'none'; frame-ancestors 'none'");
      }
      byte[] body = reply.body() == null ? new byte[0] : reply.body();
      boolean noBody = head || body.length == 0 || reply.status() == 204;
      ex.sendResponseHeaders(reply.status(), noBody ? -1 : body.length);
      if (!noBody) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    } catch (IOException e) {
      LOG.fine("client went away: " + e.getMessage());
    } finally {
      ex.close();
      inFlight.decrementAndGet();
    }
  }
}
