package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.altdiffusion.image.Png;
import org.altdiffusion.pipeline.GeneratedImage;

/** Response bodies in AUTOMATIC1111's shapes ({@code modules/api/models.py}). */
final class A1111Json {
  static final String VERSION = "altdiffusion 0.1.0";

  private A1111Json() {}

  /**
   * {@code TextToImageResponse} (and img2img's {@code ImageToImageResponse}, the same shape):
   * {@code {images: [base64 PNG], parameters: {...}, info: "<json>"}}.
   */
  static ObjectNode txt2img(Job job) {
    Txt2ImgResult r = job.result;
    ObjectNode out = Json.object();
    ArrayNode images = out.putArray("images");
    if (job.request.sendImages()) {
      for (GeneratedImage img : r.images())
        images.add(Base64.getEncoder().encodeToString(img.png()));
    }
    out.set("parameters", job.request.parameters());
    out.put("info", Json.string(info(job)));
    return out;
  }

  /** The {@code info} object ({@code Processed.js()}), before it is turned into a string. */
  static ObjectNode info(Job job) {
    Txt2ImgRequest q = job.request;
    Txt2ImgResult r = job.result;
    ObjectNode o = Json.object();
    o.put("prompt", q.prompt());
    ArrayNode prompts = o.putArray("all_prompts");
    ArrayNode negatives = Json.array();
    ArrayNode seeds = Json.array();
    ArrayNode subseeds = Json.array();
    for (long s : r.seeds()) {
      prompts.add(q.prompt());
      negatives.add(q.negativePrompt());
      seeds.add(s);
      subseeds.add(job.subseed < 0 ? -1 : job.subseed + (s - job.seed));
    }
    o.put("negative_prompt", q.negativePrompt());
    o.set("all_negative_prompts", negatives);
    o.put("seed", job.seed);
    o.set("all_seeds", seeds);
    o.put("subseed", job.subseed);
    o.set("all_subseeds", subseeds);
    o.put(
        "subseed_strength",
        job.subseed < 0 ? 0 : q.parameters().get("subseed_strength").doubleValue());
    o.put("width", r.width());
    o.put("height", r.height());
    o.put("sampler_name", r.sampler());
    o.put("cfg_scale", q.cfgScale());
    o.put("steps", q.steps());
    o.put("batch_size", q.batchSize());
    o.put("restore_faces", false);
    o.putNull("face_restoration_model");
    o.put("sd_model_name", r.modelName());
    o.putNull("sd_model_hash");
    o.putNull("sd_vae_name");
    o.putNull("sd_vae_hash");
    o.put("seed_resize_from_w", -1);
    o.put("seed_resize_from_h", -1);
    if (q.init() == null) o.putNull("denoising_strength");
    else o.put("denoising_strength", q.init().denoisingStrength());
    o.putObject("extra_generation_params");
    o.put("index_of_first_image", 0);
    ArrayNode infotexts = o.putArray("infotexts");
    for (GeneratedImage img : r.images()) infotexts.add(img.infotext().format());
    JsonNode styles = q.parameters().get("styles"); // the names asked for, as A1111 echoes them
    o.set("styles", styles == null ? Json.array() : styles.deepCopy());
    o.put("job_timestamp", r.jobTimestamp());
    o.put("clip_skip", 1);
    o.put("is_using_inpainting_conditioning", false);
    o.put("version", VERSION);
    // Ours, beyond A1111's fields:
    o.put("interrupted", r.interrupted());
    if (!r.warnings().isEmpty()) {
      ArrayNode w = o.putArray("warnings");
      r.warnings().forEach(w::add);
    }
    if (!r.savedFiles().isEmpty()) {
      ArrayNode f = o.putArray("saved_files");
      r.savedFiles().forEach(f::add);
    }
    return o;
  }

  /** {@code ProgressResponse} for the running job (or the idle state). */
  static ObjectNode progress(Job job, boolean skipCurrentImage) {
    ObjectNode out = Json.object();
    ObjectNode state = Json.object();
    if (job == null) {
      out.put("progress", 0.0);
      out.put("eta_relative", 0.0);
      state.put("skipped", false);
      state.put("interrupted", false);
      state.put("job", "");
      state.put("job_count", 0);
      state.put("job_timestamp", "0");
      state.put("job_no", 0);
      state.put("sampling_step", 0);
      state.put("sampling_steps", 0);
      out.set("state", state);
      out.putNull("current_image");
      out.putNull("textinfo");
      return out;
    }
    // A1111 starts at 0.01 so that the ETA never divides by zero.
    double progress = Math.min(1, 0.01 + job.fraction());
    double elapsed =
        job.started == null ? 0 : Duration.between(job.started, Instant.now()).toNanos() / 1e9;
    double eta = elapsed / progress - elapsed;
    out.put("progress", progress);
    out.put("eta_relative", Math.max(0, eta));
    state.put("skipped", job.skipRequested);
    state.put("interrupted", job.interruptRequested);
    state.put("job", job.kind == Job.Kind.LOAD_MODEL ? "load model " + job.model : job.id);
    state.put("job_count", job.iterations);
    state.put(
        "job_timestamp",
        job.started == null
            ? "0"
            : java.time.LocalDateTime.ofInstant(job.started, java.time.ZoneId.systemDefault())
                .format(Txt2ImgRunner.TIMESTAMP));
    state.put("job_no", job.iteration);
    state.put("sampling_step", job.step);
    state.put("sampling_steps", job.steps);
    out.set("state", state);
    BufferedImage preview = job.preview;
    if (skipCurrentImage) {
      out.putNull("current_image");
    } else {
      job.previewWanted = true; // the next step draws a fresh preview for the next poll
      if (preview == null) out.putNull("current_image");
      else out.put("current_image", Base64.getEncoder().encodeToString(Png.encode(preview, null)));
    }
    out.put(
        "textinfo",
        job.kind == Job.Kind.LOAD_MODEL
            ? "Loading model " + job.model
            : "Batch "
                + (job.iteration + 1)
                + "/"
                + job.iterations
                + ", step "
                + job.step
                + "/"
                + job.steps);
    return out;
  }
}
