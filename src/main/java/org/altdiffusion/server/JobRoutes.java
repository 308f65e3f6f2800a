package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.logging.Logger;
import org.altdiffusion.image.Png;

/**
 * The asynchronous job API under {@code /api/v1}: submit (answers at once with an id), status with
 * progress and preview, result, cancel; and the server's status and current model's defaults (the
 * web page's first settings).
 */
final class JobRoutes {
  private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());
  private static final String IMG2IMG_TOO_LARGE = A1111Routes.IMG2IMG_TOO_LARGE;
  private static final String IMG2IMG_INVALID = A1111Routes.IMG2IMG_INVALID;

  private final ServerConfig config;
  private final Models models;
  private final JobQueue queue;
  private final JobFactory jobs;

  JobRoutes(ServerConfig config, Models models, JobQueue queue, JobFactory jobs) {
    this.config = config;
    this.models = models;
    this.queue = queue;
    this.jobs = jobs;
  }

  List<Route> routes() {
    String jobs = "jobs";
    List<Route> out = new ArrayList<>();
    out.add(
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
    out.add(
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
    out.add(
        Route.get("/api/v1/jobs/{id}", "getJob", "A job's status and progress", jobs)
            .query("preview", "boolean", "include a preview image of the running batch")
            .ok("JobStatus")
            .error(404, "no such job")
            .handler(this::getJob));
    out.add(
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
    out.add(
        Route.delete(
                "/api/v1/jobs/{id}",
                "cancelJob",
                "Cancel a job (within one sampling step) or forget a finished one",
                jobs)
            .ok("JobStatus")
            .alsoOk(202, "JobStatus")
            .error(404, "no such job")
            .handler(this::deleteJob));
    out.add(
        Route.get(
                "/api/v1/model",
                "currentModel",
                "The current model's default image size and example prompts (the web page's first"
                    + " settings)",
                jobs)
            .ok("ModelDefaults")
            .handler(this::currentModel));
    out.add(
        Route.get("/api/v1/status", "status", "Server state: model, queue", jobs)
            .ok("StatusResponse")
            .handler(this::status));
    return out;
  }

  private Reply submitJob(Request request) {
    return submitted(
        queue.submit(
            this.jobs.newJob(
                Txt2ImgRequest.parse(request.jsonObject(), config), Job.Kind.TXT2IMG, true)));
  }

  private Reply submitImg2ImgJob(Request request) {
    return submitted(
        queue.submit(
            this.jobs.newJob(
                Img2ImgRequest.parse(request.jsonObject(), config), Job.Kind.IMG2IMG, true)));
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
      ApiException e = JobFactory.failure(job);
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
      case FAILED -> Reply.error(JobFactory.failure(job));
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
}
