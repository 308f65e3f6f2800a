package org.altdiffusion.server;

import java.util.List;
import java.util.Map;
import org.altdiffusion.pipeline.Seeds;

/**
 * Turns a parsed generation request into a {@link Job} for the queue, checking at once what the
 * worker would refuse later (model, sampler, schedule, LoRA tags); and turns a failed job into the
 * client's error. Shared by the AUTOMATIC1111 routes, the job API and the OpenAI API.
 */
final class JobFactory {
  private final Models models;
  private final LoraRoutes loras;

  JobFactory(Models models, LoraRoutes loras) {
    this.models = models;
    this.loras = loras;
  }

  /** A job for {@code r}; {@code collectable}: its result is fetched later by id (job API). */
  Job newJob(Txt2ImgRequest r, Job.Kind kind, boolean collectable) {
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
    if (r.parameters().path("enable_hr").asBoolean(false)) {
      String hiresSampler = HiresFields.sampler(r.parameters());
      if (known != null && hiresSampler != null) Samplers.resolve(hiresSampler, known);
      HiresFields.schedule(r.parameters());
      loras.specs(Txt2ImgRequest.text(r.parameters(), "hr_prompt"));
    }
    long seed = Seeds.resolve(Seeds.fromUser(r.seed()));
    return new Job(kind, collectable, r, model, seed);
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
}
