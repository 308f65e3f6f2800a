package org.altdiffusion.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The OpenAPI 3 document of a running server, written from its routes and request fields. */
final class OpenApi {
  private OpenApi() {}

  static Map<String, Object> document(List<Route> routes, ServerConfig config) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.0.3");
    doc.put(
        "info",
        map(
            "title", "AltDiffusion server",
            "version", "0.1.0",
            "description",
                "AUTOMATIC1111-compatible API (/sdapi/v1) and an asynchronous job API (/api/v1) for"
                    + " multilingual text-to-image and image-to-image generation. Errors are JSON"
                    + " {error, detail}. Limits: body "
                    + config.maxBodyBytes()
                    + " bytes, "
                    + "side "
                    + config.maxSide()
                    + " px, steps "
                    + config.maxSteps()
                    + ", batch_size "
                    + config.maxBatchSize()
                    + ", batch_size x n_iter "
                    + config.maxImages()
                    + ", queue "
                    + config.queueCapacity()
                    + " waiting jobs."));
    Map<String, Object> paths = new LinkedHashMap<>();
    for (Route r : routes) {
      @SuppressWarnings("unchecked")
      Map<String, Object> item =
          (Map<String, Object>) paths.computeIfAbsent(r.template, k -> new LinkedHashMap<>());
      item.put(
          r.method.toLowerCase(java.util.Locale.ROOT),
          operation(r, r.authenticated && config.apiToken() != null));
    }
    doc.put("paths", paths);
    Map<String, Object> components = new LinkedHashMap<>();
    Map<String, Object> schemas = schemas(config);
    schemas.putAll(OpenAiSchemas.schemas(config));
    schemas.putAll(LoraRoutes.schemas());
    schemas.putAll(ControlNetRoutes.schemas());
    schemas.putAll(A1111Lists.schemas());
    components.put("schemas", schemas);
    components.put(
        "securitySchemes",
        map(
            "bearer",
                map("type", "http", "scheme", "bearer", "description", "the server's --api-token"),
            "basic",
                map(
                    "type",
                    "http",
                    "scheme",
                    "basic",
                    "description",
                    "any user name, the API token as password (A1111 clients' --api-auth)")));
    doc.put("components", components);
    return doc;
  }

  /**
   * @param secured whether this server asks this route for its token (a server started without one
   *     asks none: the document then lists no security and no 401)
   */
  private static Map<String, Object> operation(Route r, boolean secured) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", r.operationId);
    op.put("summary", r.summary);
    op.put("tags", List.of(r.tag));
    if (!r.params.isEmpty()) {
      List<Object> ps = new ArrayList<>();
      for (Route.Param p : r.params) {
        ps.add(
            map(
                "name",
                p.name(),
                "in",
                p.in(),
                "required",
                p.in().equals("path"),
                "description",
                p.description(),
                "schema",
                map("type", p.type())));
      }
      op.put("parameters", ps);
    }
    if (r.requestSchema != null) {
      op.put(
          "requestBody",
          map(
              "required",
              r.requestRequired,
              "content",
              map(r.requestMedia, map("schema", ref(r.requestSchema)))));
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    Map<String, Object> okContent =
        r.okSchema == null
            ? map(
                r.okMediaType,
                map(
                    "schema",
                    r.okMediaType.startsWith("application/json")
                        ? map("type", "object", "nullable", true)
                        : map("type", "string")))
            : map(
                r.okMediaType,
                map(
                    "schema",
                    r.okArray ? map("type", "array", "items", ref(r.okSchema)) : ref(r.okSchema)));
    responses.put(
        Integer.toString(r.okStatus), map("description", "success", "content", okContent));
    for (Map.Entry<Integer, String> e : r.otherOk.entrySet()) {
      responses.put(
          Integer.toString(e.getKey()),
          map(
              "description",
              "accepted",
              "content",
              map("application/json", map("schema", ref(e.getValue())))));
    }
    Map<Integer, String> errors = new LinkedHashMap<>(r.errors);
    if (secured) errors.put(401, "missing or wrong API token");
    errors.put(
        403,
        "a cross-site request, or (on a server without token) a Host header that is not a literal"
            + " loopback name: localhost, 127.x.y.z (four decimal numbers) or [::1], with an"
            + " optional port");
    for (Map.Entry<Integer, String> e : errors.entrySet()) {
      responses.put(
          Integer.toString(e.getKey()),
          map(
              "description",
              e.getValue(),
              "content",
              map("application/json", map("schema", ref(r.errorSchema)))));
    }
    op.put("responses", responses);
    if (secured) op.put("security", List.of(map("bearer", List.of()), map("basic", List.of())));
    return op;
  }

  private static Map<String, Object> schemas(ServerConfig config) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put(
        "ErrorResponse",
        object(
            List.of("error", "detail"),
            "error",
            str("kind of problem"),
            "detail",
            str("what was wrong and what is accepted")));
    Map<String, Object> txt2imgProps = new LinkedHashMap<>();
    for (Field f : Txt2ImgRequest.fields(config)) txt2imgProps.put(f.name(), f.schema());
    s.put(
        "StableDiffusionProcessingTxt2Img",
        map(
            "type",
            "object",
            "properties",
            txt2imgProps,
            "allOf",
            Txt2ImgRequest.crossFieldSchemas(config),
            "additionalProperties",
            true,
            "description",
            "Unknown fields are ignored, as AUTOMATIC1111 does. allOf holds the rules across"
                + " fields."));
    Map<String, Object> img2imgProps = new LinkedHashMap<>();
    for (Field f : Img2ImgRequest.fields(config)) img2imgProps.put(f.name(), f.schema());
    s.put(
        "StableDiffusionProcessingImg2Img",
        map(
            "type",
            "object",
            "required",
            List.of("init_images"),
            "properties",
            img2imgProps,
            "allOf",
            Img2ImgRequest.crossFieldSchemas(config),
            "additionalProperties",
            true,
            "description",
            "txt2img's fields (hires fix aside) plus the init image; a mask makes it inpainting"
                + " (mask, mask_blur, inpainting_fill, inpaint_full_res, inpainting_mask_invert)."
                + " Unknown fields are ignored, as AUTOMATIC1111 does."));
    s.put(
        "TextToImageResponse",
        object(
            List.of("images", "parameters", "info"),
            "images",
            map(
                "type",
                "array",
                "items",
                map("type", "string", "format", "byte"),
                "description",
                "base64 PNGs with the A1111 'parameters' text chunk"),
            "parameters",
            map("type", "object", "description", "the request with every known field filled in"),
            "info",
            str(
                "JSON text: prompt, all_prompts, seed, all_seeds, infotexts, ... as A1111's"
                    + " Processed.js()")));
    s.put(
        "ImageToImageResponse",
        object(
            List.of("images", "parameters", "info"),
            "images",
            map(
                "type",
                "array",
                "items",
                map("type", "string", "format", "byte"),
                "description",
                "base64 PNGs with the A1111 'parameters' text chunk"),
            "parameters",
            map(
                "type",
                "object",
                "description",
                "the request with every known field filled in; init_images and mask are null unless"
                    + " include_init_images"),
            "info",
            str(
                "JSON text as txt2img's, with denoising_strength; infotexts carry 'Denoising"
                    + " strength'")));
    s.put(
        "PNGInfoRequest",
        object(
            List.of("image"),
            "image",
            map(
                "type",
                "string",
                "pattern",
                "\\S",
                "description",
                "base64 image, optionally a data: URL; not blank")));
    s.put(
        "PNGInfoResponse",
        object(
            List.of("info", "items", "parameters"),
            "info",
            str("the 'parameters' text, empty when none"),
            "items",
            map("type", "object", "description", "the image's other text chunks"),
            "parameters",
            map(
                "type",
                "object",
                "description",
                "parsed: Prompt, Negative prompt, Steps, Sampler, Size-1, Size-2, ...")));
    s.put(
        "ProgressResponse",
        object(
            List.of("progress", "eta_relative", "state"),
            "progress",
            num("0..1"),
            "eta_relative",
            num("seconds left (estimate)"),
            "state",
            object(
                List.of(),
                "skipped",
                bool(),
                "interrupted",
                bool(),
                "job",
                str("running job id, '' when idle"),
                "job_count",
                integer("batches of the running job"),
                "job_timestamp",
                str("yyyyMMddHHmmss"),
                "job_no",
                integer("current batch, from 0"),
                "sampling_step",
                integer("steps done"),
                "sampling_steps",
                integer("steps per batch")),
            "current_image",
            nullableStr("base64 PNG preview of the running batch, or null"),
            "textinfo",
            nullableStr("human-readable state")));
    s.put(
        "SamplerItem",
        object(
            List.of("name", "aliases", "options"),
            "name",
            str("sampler name"),
            "aliases",
            map("type", "array", "items", map("type", "string")),
            "options",
            map("type", "object")));
    s.put(
        "SchedulerItem",
        object(
            List.of("name", "label"),
            "name",
            str("scheduler name"),
            "label",
            str("label"),
            "aliases",
            map("type", "array", "nullable", true, "items", map("type", "string")),
            "default_rho",
            num("rho"),
            "need_inner_model",
            bool()));
    s.put(
        "SDModelItem",
        object(
            List.of("title", "model_name", "filename"),
            "title",
            str("name to select it by"),
            "model_name",
            str("short name"),
            "hash",
            nullableStr("short hash"),
            "sha256",
            nullableStr("sha256"),
            "filename",
            str("file or folder inside the models folder"),
            "config",
            nullableStr("config file")));
    s.put(
        "Options",
        object(
            List.of("sd_model_checkpoint"),
            "sd_model_checkpoint",
            nullableStr("title of the current model"),
            "samples_format",
            str("always png"),
            "sd_checkpoint_hash",
            nullableStr("hash of the current model, null when not computed"),
            "live_previews_enable",
            bool(),
            "sd_vae",
            str("the standalone VAE in use (Automatic, None, or a name from /sdapi/v1/sd-vae)")));
    s.put(
        "OptionsUpdate",
        map(
            "type",
            "object",
            "additionalProperties",
            true,
            "properties",
            map(
                "sd_model_checkpoint",
                map(
                    "type",
                    "string",
                    "description",
                    "switch to this model (title from /sdapi/v1/sd-models); other keys are"
                        + " ignored"),
                "sd_vae",
                map(
                    "type",
                    "string",
                    "description",
                    "use this standalone VAE (Automatic, None, or a name from /sdapi/v1/sd-vae);"
                        + " the model in memory is reloaded with it"))));
    s.put(
        "ScriptsList",
        object(
            List.of("txt2img", "img2img"),
            "txt2img",
            map("type", "array", "items", map("type", "string")),
            "img2img",
            map("type", "array", "items", map("type", "string"))));
    s.put(
        "JobStatus",
        object(
            List.of("id", "status"),
            "id",
            str("job id"),
            "status",
            map(
                "type",
                "string",
                "enum",
                List.of("queued", "running", "succeeded", "interrupted", "cancelled", "failed")),
            "position",
            integer("place in the queue, 1 = next; 0 when not waiting"),
            "progress",
            num("0..1"),
            "batch",
            integer("current batch from 0"),
            "batches",
            integer("n_iter"),
            "step",
            integer("steps done in this batch"),
            "steps",
            integer("steps per batch that run (img2img: int(steps x denoising_strength))"),
            "created",
            str("ISO-8601"),
            "started",
            nullableStr("ISO-8601"),
            "finished",
            nullableStr("ISO-8601"),
            "preview",
            nullableStr("base64 PNG preview (with ?preview=true)"),
            "error",
            map("$ref", "#/components/schemas/ErrorResponse")));
    s.put(
        "ModelDefaults",
        object(
            List.of(
                "title",
                "loaded",
                "default_width",
                "default_height",
                "examples_source",
                "examples"),
            "title",
            nullableStr("current model title, null when the models folder is empty"),
            "loaded",
            bool(),
            "default_width",
            map(
                "type",
                "integer",
                "nullable",
                true,
                "description",
                "image width used when a request gives none (the UNet's sample size x 8); null"
                    + " until the model has been loaded once"),
            "default_height",
            map(
                "type",
                "integer",
                "nullable",
                true,
                "description",
                "image height used when a request gives none; null until loaded"),
            "examples_source",
            map(
                "type",
                "string",
                "enum",
                List.of("model", "generic"),
                "description",
                "model: the model folder's "
                    + PromptExamples.FILE
                    + "; generic: simple coloured shapes, one per language (English only for"
                    + " English-only models)"),
            "examples",
            map(
                "type",
                "array",
                "items",
                object(
                    List.of("lang", "prompt"),
                    "lang",
                    nullableStr("language code, e.g. zh"),
                    "prompt",
                    str("the prompt")))));
    s.put(
        "StatusResponse",
        object(
            List.of("model", "queue_waiting", "queue_capacity"),
            "model",
            nullableStr("current model title"),
            "loaded_model",
            nullableStr("model in memory"),
            "running",
            nullableStr("running job id"),
            "queue_waiting",
            integer("jobs waiting"),
            "queue_capacity",
            integer("most jobs that may wait"),
            "auth",
            bool()));
    return s;
  }

  private static Map<String, Object> ref(String name) {
    return map("$ref", "#/components/schemas/" + name);
  }

  private static Map<String, Object> object(List<String> required, Object... props) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "object");
    if (!required.isEmpty()) m.put("required", required);
    m.put("properties", map(props));
    return m;
  }

  private static Map<String, Object> str(String d) {
    return map("type", "string", "description", d);
  }

  private static Map<String, Object> nullableStr(String d) {
    return map("type", "string", "nullable", true, "description", d);
  }

  private static Map<String, Object> num(String d) {
    return map("type", "number", "description", d);
  }

  private static Map<String, Object> integer(String d) {
    return map("type", "integer", "description", d);
  }

  private static Map<String, Object> bool() {
    return map("type", "boolean");
  }

  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    return m;
  }
}
