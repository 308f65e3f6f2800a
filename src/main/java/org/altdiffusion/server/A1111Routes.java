package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.schedulers.ScheduleType;

/**
 * AUTOMATIC1111's core API under {@code /sdapi/v1}: txt2img, img2img (waiting for their job),
 * png-info, progress, interrupt, skip, samplers, schedulers, sd-models, options, scripts.
 */
final class A1111Routes {
  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());

  /** What img2img's 413 and 422 mean, on its direct and its job route. */
  static final String IMG2IMG_TOO_LARGE =
      "body larger than the limit, or an init image or mask larger than "
          + ImageLimits.UPLOADS.maxSide()
          + " pixels on a side";

  static final String IMG2IMG_INVALID =
      "a field of the wrong type or out of range; init_images missing or not an image; a mask that"
          + " is not an image; inpainting_fill 0; different mask_blur_x and mask_blur_y";

  private final ServerConfig config;
  private final Models models;
  private final JobQueue queue;
  private final JobFactory jobs;

  A1111Routes(ServerConfig config, Models models, JobQueue queue, JobFactory jobs) {
    this.config = config;
    this.models = models;
    this.queue = queue;
    this.jobs = jobs;
  }

  List<Route> routes() {
    String a1111 = "AUTOMATIC1111";
    List<Route> out = new ArrayList<>();
    out.add(
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
    out.add(
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
    out.add(
        Route.post(
                "/sdapi/v1/png-info",
                "pngInfo",
                "Read the generation parameters stored in an image",
                a1111)
            .body("PNGInfoRequest", true)
            .ok("PNGInfoResponse")
            .handler(this::pngInfo));
    out.add(
        Route.get(
                "/sdapi/v1/progress",
                "progress",
                "Progress of the running job, with a preview",
                a1111)
            .query("skip_current_image", "boolean", "leave the preview out")
            .ok("ProgressResponse")
            .handler(this::progress));
    out.add(
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
    out.add(
        Route.post(
                "/sdapi/v1/skip", "skip", "Drop the running batch and go on with the next", a1111)
            .handler(
                r -> {
                  queue.skipRunning();
                  return Reply.json(null);
                }));
    out.add(
        Route.get("/sdapi/v1/samplers", "samplers", "Samplers of the current model", a1111)
            .okArray("SamplerItem")
            .error(503, "the model is still loading")
            .handler(this::samplers));
    out.add(
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
                    o.put("default_rho", t.defaultRho());
                    o.put("need_inner_model", false);
                  }
                  return Reply.json(types);
                }));
    out.add(
        Route.get("/sdapi/v1/sd-models", "sdModels", "Models in the models folder", a1111)
            .okArray("SDModelItem")
            .handler(this::sdModels));
    out.add(
        Route.post(
                "/sdapi/v1/refresh-checkpoints",
                "refreshCheckpoints",
                "Rescan the models folder (it is rescanned on every listing anyway)",
                a1111)
            .handler(r -> Reply.json(null)));
    out.add(
        Route.get("/sdapi/v1/options", "getOptions", "Current settings", a1111)
            .ok("Options")
            .handler(this::getOptions));
    out.add(
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
    out.add(
        Route.get(
                "/sdapi/v1/scripts",
                "scripts",
                "Scripts: only the always-on controlnet (sd-webui-controlnet's API)",
                a1111)
            .ok("ScriptsList")
            .handler(
                r -> {
                  ObjectNode s = Json.object();
                  s.putArray("txt2img").add("controlnet");
                  s.putArray("img2img").add("controlnet");
                  return Reply.json(s);
                }));
    return out;
  }

  private Reply txt2img(Request request) {
    Job job =
        queue.submit(
            jobs.newJob(
                Txt2ImgRequest.parse(request.jsonObject(), config), Job.Kind.TXT2IMG, false));
    return Reply.later(job.done.thenApply(this::txt2imgReply));
  }

  private Reply img2img(Request request) {
    Job job =
        queue.submit(
            jobs.newJob(
                Img2ImgRequest.parse(request.jsonObject(), config), Job.Kind.IMG2IMG, false));
    return Reply.later(job.done.thenApply(this::txt2imgReply));
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
      default -> Reply.error(JobFactory.failure(job));
    };
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
    o.put("sd_vae", models.registry().vaes().selected());
    o.put("samples_format", "png");
    o.put("live_previews_enable", true);
    return Reply.json(o);
  }

  private Reply setOptions(Request request) {
    ObjectNode body = request.jsonObject();
    JsonNode vae = body.get("sd_vae");
    if (vae != null && !vae.isNull() && !vae.isTextual())
      throw ApiException.invalid("sd_vae must be a VAE name (a string), got " + Json.describe(vae));
    if (vae != null && vae.isTextual()) models.registry().vaes().select(vae.textValue().strip());
    JsonNode checkpoint = body.get("sd_model_checkpoint");
    boolean noCheckpoint = checkpoint == null || checkpoint.isNull();
    // a new VAE alone reloads the model in memory (the next job loads it otherwise)
    if (noCheckpoint && (models.loadedTitle() == null || models.loadedWithCurrentVae()))
      return Reply.json(null);
    if (!noCheckpoint && !checkpoint.isTextual())
      throw ApiException.invalid(
          "sd_model_checkpoint must be a model title (a string), got " + Json.describe(checkpoint));
    String title = noCheckpoint ? models.current() : models.resolve(checkpoint.textValue().strip());
    if (title == null
        || (title.equals(models.current())
            && title.equals(models.loadedTitle())
            && models.loadedWithCurrentVae())) return Reply.json(null);
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
                  : Reply.error(JobFactory.failure(j));
            }));
  }
}
