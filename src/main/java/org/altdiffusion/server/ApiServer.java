package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
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
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.Png;
import org.altdiffusion.lora.LoraFolder;
import org.altdiffusion.pipeline.Seeds;
import org.altdiffusion.schedulers.ScheduleType;

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
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());

  /** What img2img's 413 and 422 mean, on its direct and its job route. */
  private static final String IMG2IMG_TOO_LARGE =
      "body larger than the limit, or an init image or mask larger than "
          + ImageLimits.UPLOADS.maxSide()
          + " pixels on a side";

  private static final String IMG2IMG_INVALID =
      "a field of the wrong type or out of range; init_images missing or not an image; a mask that"
          + " is not an image; inpainting_fill 0; different mask_blur_x and mask_blur_y";

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
            config, models, (r, kind) -> queue.submit(newJob(r, kind, false)), this::url);
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
    String a1111 = "AUTOMATIC1111";
    String jobs = "jobs";
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

    add(
        Route.post(
                "/sdapi/v1/txt2img",
                "txt2img",
                "Generate images from a prompt and wait for them",
                a1111)
            .body("StableDiffusionProcessingTxt2Img", true)
            .ok("TextToImageResponse")
            .error(404, "unknown sampler or model")
            .error(409, "the job was cancelled")
            .error(503, "queue full or shutting down (see Retry-After)")
            .error(500, "the model failed (a server-side problem)")
            .handler(this::txt2img));
    add(
        Route.post(
                "/sdapi/v1/img2img",
                "img2img",
                "Generate images from a starting picture and a prompt, and wait for them",
                a1111)
            .body("StableDiffusionProcessingImg2Img", true)
            .ok("ImageToImageResponse")
            .error(404, "unknown sampler or model")
            .error(409, "the job was cancelled")
            .error(413, IMG2IMG_TOO_LARGE)
            .error(422, IMG2IMG_INVALID)
            .error(503, "queue full or shutting down (see Retry-After)")
            .error(500, "the model failed (a server-side problem)")
            .handler(this::img2img));
    add(
        Route.post(
                "/sdapi/v1/png-info",
                "pngInfo",
                "Read the generation parameters stored in an image",
                a1111)
            .body("PNGInfoRequest", true)
            .ok("PNGInfoResponse")
            .handler(this::pngInfo));
    add(
        Route.get(
                "/sdapi/v1/progress",
                "progress",
                "Progress of the running job, with a preview",
                a1111)
            .query("skip_current_image", "boolean", "leave the preview out")
            .ok("ProgressResponse")
            .handler(this::progress));
    add(
        Route.post(
                "/sdapi/v1/interrupt",
                "interrupt",
                "Stop the running job at its next step; it returns what it has",
                a1111)
            .handler(
                r -> {
                  Job j = queue.interruptRunning();
                  if (j != null) LOG.info("interrupt requested for job " + j.id);
                  return Reply.json(Json.object());
                }));
    add(
        Route.post(
                "/sdapi/v1/skip", "skip", "Drop the running batch and go on with the next", a1111)
            .handler(
                r -> {
                  queue.skipRunning();
                  return Reply.json(null);
                }));
    add(
        Route.get("/sdapi/v1/samplers", "samplers", "Samplers of the current model", a1111)
            .okArray("SamplerItem")
            .error(503, "the model is still loading")
            .handler(this::samplers));
    add(
        Route.get("/sdapi/v1/schedulers", "schedulers", "Schedule types", a1111)
            .okArray("SchedulerItem")
            .handler(
                r -> {
                  ArrayNode types = Json.array();
                  for (ScheduleType t : ScheduleType.ALL) {
                    ObjectNode o = types.addObject();
                    o.put("name", t.key());
                    o.put("label", t.label());
                    o.putNull("aliases");
                    o.put("default_rho", t.equals(ScheduleType.KARRAS) ? 7.0 : -1);
                    o.put("need_inner_model", false);
                  }
                  return Reply.json(types);
                }));
    add(
        Route.get("/sdapi/v1/sd-models", "sdModels", "Models in the models folder", a1111)
            .okArray("SDModelItem")
            .handler(this::sdModels));
    add(
        Route.post(
                "/sdapi/v1/refresh-checkpoints",
                "refreshCheckpoints",
                "Rescan the models folder (it is rescanned on every listing anyway)",
                a1111)
            .handler(r -> Reply.json(null)));
    add(
        Route.get("/sdapi/v1/options", "getOptions", "Current settings", a1111)
            .ok("Options")
            .handler(this::getOptions));
    add(
        Route.post(
                "/sdapi/v1/options",
                "setOptions",
                "Change settings; sd_model_checkpoint switches the model (waits for it to load)",
                a1111)
            .body("OptionsUpdate", true)
            .error(404, "unknown model")
            .error(503, "queue full or shutting down")
            .error(500, "the model failed to load")
            .handler(this::setOptions));
    add(
        Route.get("/sdapi/v1/scripts", "scripts", "Scripts (none on this server)", a1111)
            .ok("ScriptsList")
            .handler(
                r -> {
                  ObjectNode s = Json.object();
                  s.putArray("txt2img");
                  s.putArray("img2img");
                  return Reply.json(s);
                }));

    add(
        Route.post(
                "/api/v1/jobs",
                "submitJob",
                "Queue a txt2img job (txt2img's body); answers at once with its id",
                jobs)
            .body("StableDiffusionProcessingTxt2Img", true)
            .ok(202, "JobStatus")
            .error(404, "unknown sampler or model")
            .error(503, "queue full or shutting down (see Retry-After)")
            .handler(this::submitJob));
    add(
        Route.post(
                "/api/v1/jobs/img2img",
                "submitImg2ImgJob",
                "Queue an img2img job (img2img's body); answers at once with its id",
                jobs)
            .body("StableDiffusionProcessingImg2Img", true)
            .ok(202, "JobStatus")
            .error(404, "unknown sampler or model")
            .error(413, IMG2IMG_TOO_LARGE)
            .error(422, IMG2IMG_INVALID)
            .error(503, "queue full or shutting down (see Retry-After)")
            .handler(this::submitImg2ImgJob));
    add(
        Route.get("/api/v1/jobs/{id}", "getJob", "A job's status and progress", jobs)
            .query("preview", "boolean", "include a preview image of the running batch")
            .ok("JobStatus")
            .error(404, "no such job")
            .handler(this::getJob));
    add(
        Route.get(
                "/api/v1/jobs/{id}/result",
                "getJobResult",
                "A finished job's images and info (txt2img's or img2img's answer)",
                jobs)
            .ok("TextToImageResponse")
            .error(404, "no such job, or its sampler/model was unknown")
            .error(409, "not finished yet")
            .error(410, "the job was cancelled")
            .error(422, "the request was refused when the job ran")
            .error(500, "the model failed (a server-side problem)")
            .handler(this::getJobResult));
    add(
        Route.delete(
                "/api/v1/jobs/{id}",
                "cancelJob",
                "Cancel a job (within one sampling step) or forget a finished one",
                jobs)
            .ok("JobStatus")
            .alsoOk(202, "JobStatus")
            .error(404, "no such job")
            .handler(this::deleteJob));
    add(
        Route.get(
                "/api/v1/model",
                "currentModel",
                "The current model's default image size and example prompts (the web page's first"
                    + " settings)",
                jobs)
            .ok("ModelDefaults")
            .handler(this::currentModel));
    add(
        Route.get("/api/v1/status", "status", "Server state: model, queue", jobs)
            .ok("StatusResponse")
            .handler(this::status));
    openAi.routes().forEach(this::add);
    loras.routes().forEach(this::add);
    new A1111Lists(config).routes().forEach(this::add);
  }

  private void add(Route r) {
    routes.add(r);
  }

  List<Route> routes() {
    return List.copyOf(routes);
  }

  // ---------------------------------------------------------------- handlers

  private Reply txt2img(Request request) {
    Job job =
        queue.submit(
            newJob(Txt2ImgRequest.parse(request.jsonObject(), config), Job.Kind.TXT2IMG, false));
    return Reply.later(job.done.thenApply(this::txt2imgReply));
  }

  private Reply img2img(Request request) {
    Job job =
        queue.submit(
            newJob(Img2ImgRequest.parse(request.jsonObject(), config), Job.Kind.IMG2IMG, false));
    return Reply.later(job.done.thenApply(this::txt2imgReply));
  }

  private Job newJob(Txt2ImgRequest r, Job.Kind kind, boolean collectable) {
    String model = r.model() != null ? models.resolve(r.model()) : models.current();
    if (model == null)
      throw new ApiException(
          503,
          "Service Unavailable",
          "there is no model: the models folder is empty",
          Map.of("Retry-After", "60"));
    List<String> known = models.samplerNames(model);
    if (known != null) Samplers.resolve(r.sampler(), known); // fail fast; the worker checks again
    Samplers.schedule(r.scheduler());
    loras.specs(r.prompt()); // a bad tag or unknown LoRA: 422 now; the worker resolves them again
    long seed = Seeds.resolve(Seeds.fromUser(r.seed()));
    return new Job(kind, collectable, r, model, seed);
  }

  private Reply txt2imgReply(Job job) {
    return switch (job.status) {
      case SUCCEEDED, INTERRUPTED -> Reply.json(A1111Json.txt2img(job));
      case CANCELLED ->
          "server shutting down".equals(job.cancelReason)
              ? Reply.error(
                  new ApiException(
                      503,
                      "Service Unavailable",
                      "the server is shutting down; the job was cancelled",
                      Map.of("Retry-After", "30")))
              : Reply.error(
                  new ApiException(
                      409,
                      "Cancelled",
                      "the job was cancelled"
                          + (job.cancelReason == null ? "" : ": " + job.cancelReason)));
      default -> Reply.error(failure(job));
    };
  }

  static ApiException failure(Job job) {
    if (job.failure instanceof ApiException e) return e;
    Throwable t = job.failure;
    String m =
        t == null
            ? "unknown failure"
            : t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    if (nl > 0) m = m.substring(0, nl); // native errors carry a backtrace
    String what =
        job.kind == Job.Kind.LOAD_MODEL
            ? "loading model " + job.model + " failed: "
            : "generation failed: ";
    // The pipeline refuses requests it cannot serve (too big for memory, no step left to run, ...)
    // with IllegalArgumentException: the client's request, not the server, is at fault.
    if (t instanceof IllegalArgumentException && job.kind != Job.Kind.LOAD_MODEL) {
      return new ApiException(422, "Unprocessable Entity", what + m);
    }
    return new ApiException(500, "Internal Server Error", what + m);
  }

  private Reply pngInfo(Request request) {
    ObjectNode body = request.jsonObject();
    JsonNode image = body.get("image");
    if (image == null || image.isNull())
      throw ApiException.invalid("image is required: a base64-encoded image");
    if (!image.isTextual())
      throw ApiException.invalid("image must be a base64 string, got " + Json.describe(image));
    return Reply.json(PngInfo.read(ImageInput.decode("image", image.textValue())));
  }

  private Reply progress(Request request) {
    boolean skip = request.queryFlag("skip_current_image", false);
    return Reply.json(A1111Json.progress(queue.running(), skip));
  }

  private Reply samplers(Request request) {
    List<String> names = models.samplerNames(models.current());
    if (names == null) {
      throw new ApiException(
          503,
          "Service Unavailable",
          "model "
              + models.current()
              + " is still loading; its samplers are known once it is loaded",
          Map.of("Retry-After", "5"));
    }
    ArrayNode out = Json.array();
    for (String n : names) {
      ObjectNode s = out.addObject();
      s.put("name", n);
      ArrayNode al = s.putArray("aliases");
      Samplers.aliases(n).forEach(al::add);
      s.putObject("options");
    }
    return Reply.json(out);
  }

  private Reply sdModels(Request request) {
    ArrayNode out = Json.array();
    for (ModelInfo m : models.registry().models()) {
      ObjectNode o = out.addObject();
      o.put("title", m.title());
      o.put("model_name", m.modelName());
      o.put("hash", m.hash());
      o.put("sha256", m.sha256());
      o.put("filename", m.filename());
      o.put("config", m.config());
    }
    return Reply.json(out);
  }

  private Reply getOptions(Request request) {
    ObjectNode o = Json.object();
    String current = models.current();
    ModelInfo info = models.registry().find(current);
    o.put("sd_model_checkpoint", current);
    o.put("sd_checkpoint_hash", info == null ? null : info.sha256());
    o.put("samples_format", "png");
    o.put("live_previews_enable", true);
    return Reply.json(o);
  }

  private Reply setOptions(Request request) {
    ObjectNode body = request.jsonObject();
    JsonNode checkpoint = body.get("sd_model_checkpoint");
    if (checkpoint == null || checkpoint.isNull()) return Reply.json(null);
    if (!checkpoint.isTextual())
      throw ApiException.invalid(
          "sd_model_checkpoint must be a model title (a string), got " + Json.describe(checkpoint));
    String title = models.resolve(checkpoint.textValue().strip());
    if (title.equals(models.current()) && title.equals(models.loadedTitle()))
      return Reply.json(null);
    Job load = queue.submit(new Job(Job.Kind.LOAD_MODEL, false, null, title, 0));
    LOG.info("switching model to " + title + " (job " + load.id + ")");
    return Reply.later(
        load.done.thenApply(
            j -> {
              if (j.status == Job.Status.SUCCEEDED) {
                models.setCurrent(title);
                return Reply.json(null);
              }
              return j.status == Job.Status.CANCELLED
                  ? Reply.error(
                      new ApiException(
                          503,
                          "Service Unavailable",
                          "the server is shutting down",
                          Map.of("Retry-After", "30")))
                  : Reply.error(failure(j));
            }));
  }

  private Reply submitJob(Request request) {
    return submitted(
        queue.submit(
            newJob(Txt2ImgRequest.parse(request.jsonObject(), config), Job.Kind.TXT2IMG, true)));
  }

  private Reply submitImg2ImgJob(Request request) {
    return submitted(
        queue.submit(
            newJob(Img2ImgRequest.parse(request.jsonObject(), config), Job.Kind.IMG2IMG, true)));
  }

  private Reply submitted(Job job) {
    return Reply.json(202, jobStatus(job, false)).withHeader("Location", "/api/v1/jobs/" + job.id);
  }

  private Job job(Request request) {
    String id = request.pathParams().get("id");
    Job job = id != null && id.matches("[0-9a-f]{32}") ? queue.find(id) : null;
    if (job == null || !job.kind.generates()) {
      throw ApiException.notFound(
          "Not Found",
          "no job '"
              + Json.abbreviate(String.valueOf(id))
              + "' (finished jobs are kept for "
              + config.finishedJobTtl().toMinutes()
              + " min, at most "
              + config.keepFinishedJobs()
              + ")");
    }
    return job;
  }

  private Reply getJob(Request request) {
    Job job = job(request);
    return Reply.json(jobStatus(job, request.queryFlag("preview", false)));
  }

  private ObjectNode jobStatus(Job job, boolean preview) {
    ObjectNode o = Json.object();
    o.put("id", job.id);
    o.put("status", job.status.label());
    o.put("position", queue.position(job));
    o.put("progress", job.fraction());
    o.put("batch", job.iteration);
    o.put("batches", job.request.nIter());
    o.put("step", job.step);
    o.put(
        "steps",
        job.steps > 0 ? job.steps : job.request.steps()); // img2img runs fewer than requested
    o.put("created", job.created.toString());
    o.put("started", job.started == null ? null : job.started.toString());
    o.put("finished", job.finished == null ? null : job.finished.toString());
    if (preview) {
      if (job.status == Job.Status.RUNNING) job.previewWanted = true;
      var p = job.preview;
      o.put("preview", p == null ? null : Base64.getEncoder().encodeToString(Png.encode(p, null)));
    }
    if (job.status == Job.Status.FAILED) {
      ApiException e = failure(job);
      ObjectNode err = o.putObject("error");
      err.put("error", e.error());
      err.put("detail", e.detail());
    }
    return o;
  }

  private Reply getJobResult(Request request) {
    Job job = job(request);
    return switch (job.status) {
      case QUEUED, RUNNING ->
          throw new ApiException(
              409,
              "Not Finished",
              "job " + job.id + " is " + job.status.label() + "; poll GET /api/v1/jobs/" + job.id);
      case SUCCEEDED, INTERRUPTED -> {
        ObjectNode out = A1111Json.txt2img(job);
        out.put("id", job.id);
        out.put("status", job.status.label());
        yield Reply.json(out);
      }
      case CANCELLED ->
          throw new ApiException(
              410,
              "Cancelled",
              "job "
                  + job.id
                  + " was cancelled"
                  + (job.cancelReason == null ? "" : ": " + job.cancelReason));
      case FAILED -> Reply.error(failure(job));
    };
  }

  private Reply deleteJob(Request request) {
    Job job = job(request);
    if (job.status.finished()) {
      queue.forget(job);
      ObjectNode o = jobStatus(job, false);
      o.put("deleted", true);
      return Reply.json(o);
    }
    queue.cancel(job, "cancelled by the client");
    return Reply.json(202, jobStatus(job, false));
  }

  private Reply currentModel(Request request) {
    String title = models.current();
    ObjectNode o = Json.object();
    o.put("title", title);
    Integer size = models.defaultSize(title);
    o.put("loaded", title != null && title.equals(models.loadedTitle()));
    o.put("default_width", size);
    o.put("default_height", size);
    List<PromptExample> examples = List.of();
    if (title != null) {
      try {
        examples = models.registry().shippedExamples(title);
      } catch (IOException | IllegalArgumentException e) {
        LOG.warning("example prompts of model " + title + " unusable: " + e.getMessage());
      }
    }
    String source = "model";
    if (examples.isEmpty()) {
      source = "generic";
      examples = PromptExamples.generic();
      if (title != null && models.registry().englishOnly(title))
        examples = examples.stream().filter(e -> "en".equals(e.lang())).toList();
    }
    o.put("examples_source", source);
    ArrayNode list = o.putArray("examples");
    for (PromptExample e : examples) {
      ObjectNode x = list.addObject();
      x.put("lang", e.lang());
      x.put("prompt", e.prompt());
    }
    return Reply.json(o);
  }

  private Reply status(Request request) {
    ObjectNode o = Json.object();
    o.put("model", models.current());
    o.put("loaded_model", models.loadedTitle());
    Job running = queue.running();
    o.put("running", running == null ? null : running.id);
    o.put("queue_waiting", queue.waitingCount());
    o.put("queue_capacity", config.queueCapacity());
    o.put("auth", config.apiToken() != null);
    return Reply.json(o);
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
    checkHost(ex);
    if (chosen.authenticated) checkToken(ex);
    checkOrigin(ex, method);
    // Routes without a documented body ignore whatever is sent (A1111 clients post empty bodies).
    byte[] body = new byte[0];
    if (chosen.requestSchema != null) {
      body = readBody(ex);
      if (body.length > 0 && chosen.requestMedia.equals("application/json")) checkContentType(ex);
    }
    Request request =
        new Request(
            method, path, params, ex.getRequestURI().getRawQuery(), ex.getRequestHeaders(), body);
    return chosen.handler.handle(request);
  }

  private byte[] readBody(HttpExchange ex) throws IOException {
    long limit = config.maxBodyBytes();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long n;
      try {
        n = Long.parseLong(declared.strip());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest(
            "Content-Length '" + Json.abbreviate(declared) + "' is not a number");
      }
      if (n > limit) throw tooLarge(n);
    }
    byte[] body;
    try {
      // Not closed here: HttpExchange.close() drains what is left of a refused body, within a
      // bound.
      body = ex.getRequestBody().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    } catch (IOException e) {
      throw ApiException.badRequest("the request body could not be read (" + e.getMessage() + ")");
    }
    if (body.length > limit) throw tooLarge(-1);
    return body;
  }

  private ApiException tooLarge(long n) {
    return new ApiException(
        413,
        "Payload Too Large",
        "the request body is "
            + (n >= 0 ? n + " bytes" : "larger than the limit")
            + "; at most "
            + config.maxBodyBytes()
            + " bytes are accepted");
  }

  private void checkToken(HttpExchange ex) {
    String token = config.apiToken();
    if (token == null) return;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String given = null;
    if (auth != null) {
      String a = auth.strip();
      if (a.regionMatches(true, 0, "Bearer ", 0, 7)) {
        given = a.substring(7).strip();
      } else if (a.regionMatches(true, 0, "Basic ", 0, 6)) {
        try {
          String pair =
              new String(
                  Base64.getDecoder().decode(a.substring(6).strip()), StandardCharsets.UTF_8);
          int colon = pair.indexOf(':');
          given = colon < 0 ? null : pair.substring(colon + 1);
        } catch (IllegalArgumentException e) {
          given = null;
        }
      }
    }
    Map<String, String> challenge = Map.of("WWW-Authenticate", "Bearer realm=\"altdiffusion\"");
    if (given == null) {
      throw new ApiException(
          401,
          "Unauthorized",
          "this server needs its API token: send 'Authorization: Bearer <token>'",
          challenge);
    }
    if (!MessageDigest.isEqual(
        given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiException(401, "Unauthorized", "wrong API token", challenge);
    }
  }

  /** True when this server must check that requests name it by a loopback host. */
  private boolean loopbackOnly() {
    return config.apiToken() == null && loopback;
  }

  /**
   * Without a token, a loopback server only answers to literal loopback names (see {@link
   * LoopbackHost}): a web page cannot reach it by DNS rebinding.
   */
  private void checkHost(HttpExchange ex) {
    if (!loopbackOnly()) return;
    String host = ex.getRequestHeaders().getFirst("Host");
    if (host == null) return; // HTTP/1.0 without Host: not a browser
    if (LoopbackHost.accepts(host, config.host())) return;
    throw new ApiException(
        403,
        "Forbidden",
        "requests for host '"
            + Json.abbreviate(host)
            + "' are refused: without --api-token this server answers only to localhost,"
            + " 127.x.y.z (four decimal numbers) and [::1], with an optional port (protection"
            + " against DNS rebinding); give --api-token to serve other names");
  }

  /**
   * State-changing requests from a browser must come from this server's own page: the Origin must
   * be the Host, and (without a token) a literal loopback name by the same rule as the Host.
   */
  private void checkOrigin(HttpExchange ex, String method) {
    if (method.equals("GET") || method.equals("OPTIONS")) return;
    String origin = ex.getRequestHeaders().getFirst("Origin");
    if (origin == null) return;
    String host = ex.getRequestHeaders().getFirst("Host");
    String authority = null;
    try {
      authority = URI.create(origin.strip()).getRawAuthority();
    } catch (IllegalArgumentException ignored) {
      // refused below
    }
    boolean sameHost =
        authority != null && host != null && authority.equalsIgnoreCase(host.strip());
    if (!sameHost || (loopbackOnly() && !LoopbackHost.accepts(authority, config.host()))) {
      throw new ApiException(
          403,
          "Forbidden",
          "cross-origin request from '"
              + Json.abbreviate(origin)
              + "' refused; use this server's own page or a non-browser client");
    }
  }

  private static void checkContentType(HttpExchange ex) {
    String ct = ex.getRequestHeaders().getFirst("Content-Type");
    if (ct == null) return;
    String mime = ct.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (mime.equals("application/json") || mime.endsWith("+json")) return;
    throw new ApiException(
        415,
        "Unsupported Media Type",
        "the body must be JSON sent as 'Content-Type: application/json', got '"
            + Json.abbreviate(ct)
            + "'");
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
