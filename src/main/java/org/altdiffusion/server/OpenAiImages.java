package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.altdiffusion.image.BadImageException;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageHeader;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.Png;
import org.altdiffusion.pipeline.GeneratedImage;
import org.altdiffusion.server.OpenAiJson.OpenAiException;

/**
 * OpenAI's images API on this server's queue, limits and token: {@code POST /v1/images/generations}
 * (txt2img), {@code /v1/images/edits} (img2img of the uploaded picture; with a mask, inpainting of
 * the mask's fully transparent pixels), {@code /v1/images/variations} (img2img with an empty
 * prompt), {@code GET /v1/models}, and {@code GET /v1/images/files/<name>.png} for {@code url}
 * answers (multipart forms: {@link OpenAiForm}). Requests are translated into A1111 requests and
 * validated by the same code as {@code /sdapi/v1}; errors are in OpenAI's shape ({@link
 * OpenAiJson}).
 *
 * <p>Mapping: {@code model} is one of this server's models (title or name); absent, or an OpenAI
 * model name ({@link #OPENAI_MODELS}), means the current model. {@code n} is the batch size. {@code
 * size} "WxH" (multiples of 8, at most the server's largest side) or "auto" (generations: the
 * model's native size; edits and variations: the picture's size). {@code quality} sets the steps:
 * low {@value #STEPS_LOW}, auto/standard/medium {@value #STEPS_STANDARD}, high/hd {@value
 * #STEPS_HIGH} (capped at the server's limit). {@code style}, {@code user}, {@code
 * safety_identifier}, {@code moderation} and {@code output_compression} are accepted and ignored;
 * {@code output_format} must be png and {@code background} must not be transparent. {@code
 * response_format} absent is b64_json. Our own fields: {@code negative_prompt}, {@code seed},
 * {@code steps}, {@code sampler}, {@code guidance} (cfg scale), {@code styles}, {@code subseed},
 * {@code subseed_strength} (as txt2img's) and, for edits and variations, {@code strength}
 * (denoising strength: edits {@value #EDIT_STRENGTH}, variations {@value #VARIATION_STRENGTH}).
 * Unknown fields are refused.
 */
final class OpenAiImages {
  private static final Logger LOG = Logger.getLogger(OpenAiImages.class.getName());

  /** OpenAI model names that select the current model. */
  static final Set<String> OPENAI_MODELS =
      Set.of("dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5");

  static final int STEPS_LOW = 20;
  static final int STEPS_STANDARD = 30;
  static final int STEPS_HIGH = 50;
  static final double EDIT_STRENGTH = 0.75;
  static final double VARIATION_STRENGTH = 0.6;

  private static final Pattern SIZE = Pattern.compile("([0-9]{1,6})x([0-9]{1,6})");
  private static final Pattern FILE_NAME = Pattern.compile("[0-9a-f]{32}\\.png");
  private static final SecureRandom NAMES = new SecureRandom();

  private static final List<String> COMMON =
      List.of(
          "model",
          "n",
          "size",
          "response_format",
          "quality",
          "user",
          "safety_identifier",
          "output_format",
          "output_compression",
          "background",
          "negative_prompt",
          "seed",
          "steps",
          "sampler",
          "guidance",
          "styles",
          "subseed",
          "subseed_strength");
  private static final Set<String> GENERATION_FIELDS =
      union(COMMON, List.of("prompt", "style", "moderation"));
  private static final Set<String> EDIT_FIELDS =
      union(COMMON, List.of("prompt", "strength", "input_fidelity"));
  private static final Set<String> VARIATION_FIELDS = union(COMMON, List.of("strength"));

  /** Queues a request as ApiServer's own routes do. */
  @FunctionalInterface
  interface Submitter {
    Job submit(Txt2ImgRequest request, Job.Kind kind);
  }

  private final ServerConfig config;
  private final Models models;
  private final Submitter submitter;
  private final Supplier<String> baseUrl;
  private final Path files;
  private final long created = Instant.now().getEpochSecond();

  OpenAiImages(ServerConfig config, Models models, Submitter submitter, Supplier<String> baseUrl) {
    this.config = config;
    this.models = models;
    this.submitter = submitter;
    this.baseUrl = baseUrl;
    this.files =
        config.outputDir() == null
            ? null
            : config.outputDir().toAbsolutePath().normalize().resolve("openai");
  }

  private static Set<String> union(List<String> a, List<String> b) {
    Set<String> s = new TreeSet<>(a);
    s.addAll(b);
    return Set.copyOf(s);
  }

  // ---------------------------------------------------------------- routes

  List<Route> routes() {
    String tag = "OpenAI";
    List<Route> out = new ArrayList<>();
    out.add(
        Route.post(
                "/v1/images/generations",
                "openAiGenerate",
                "OpenAI images API: generate images from a prompt (txt2img) and wait for them",
                tag)
            .body("OpenAiImageGenerationRequest", true)
            .ok("OpenAiImagesResponse")
            .error(400, "malformed JSON, a missing prompt, a field out of range or unknown")
            .error(404, "unknown model or sampler")
            .error(409, "the job was cancelled")
            .error(503, "queue full or shutting down (see Retry-After)")
            .error(500, "the model failed (a server-side problem)")
            .handler(r -> guard(() -> generations(r))));
    out.add(
        Route.post(
                "/v1/images/edits",
                "openAiEdit",
                "OpenAI images API: change an uploaded picture following a prompt (img2img; with a"
                    + " mask, inpainting of its fully transparent pixels)",
                tag)
            .multipart("OpenAiImageEditRequest")
            .ok("OpenAiImagesResponse")
            .error(
                400,
                "a malformed multipart body, no image or not an image, a mask that is not an image,"
                    + " not of the image's size or without a fully transparent pixel, a field out"
                    + " of range or unknown")
            .error(404, "unknown model or sampler")
            .error(409, "the job was cancelled")
            .error(413, "body larger than the limit, or an image too large")
            .error(415, "a content type other than multipart/form-data")
            .error(503, "queue full or shutting down (see Retry-After)")
            .error(500, "the model failed (a server-side problem)")
            .handler(r -> guard(() -> edits(r))));
    out.add(
        Route.post(
                "/v1/images/variations",
                "openAiVariation",
                "OpenAI images API: variations of an uploaded picture (img2img, empty prompt)",
                tag)
            .multipart("OpenAiImageVariationRequest")
            .ok("OpenAiImagesResponse")
            .error(400, "a malformed multipart body, no image or not an image, a bad field")
            .error(404, "unknown model or sampler")
            .error(409, "the job was cancelled")
            .error(413, "body larger than the limit, or an image too large")
            .error(415, "a content type other than multipart/form-data")
            .error(503, "queue full or shutting down (see Retry-After)")
            .error(500, "the model failed (a server-side problem)")
            .handler(r -> guard(() -> variations(r))));
    Route file =
        Route.get(
                "/v1/images/files/{name}",
                "openAiImageFile",
                "A picture answered with response_format=url (kept in the output folder)",
                tag)
            .media("image/png")
            .error(404, "no such picture")
            .handler(r -> guard(() -> file(r)));
    file.params.set(
        0, new Route.Param("name", "path", "string", "the file name given in the url answer"));
    out.add(file);
    out.add(
        Route.get("/v1/models", "openAiModels", "OpenAI API: this server's models", tag)
            .ok("OpenAiModelList")
            .handler(r -> guard(() -> modelList(r))));
    Route model =
        Route.get(
                "/v1/models/{model}", "openAiModel", "OpenAI API: one of this server's models", tag)
            .ok("OpenAiModel")
            .error(404, "no such model")
            .handler(r -> guard(() -> model(r)));
    model.params.set(0, new Route.Param("model", "path", "string", "a model title or name"));
    out.add(model);
    for (Route r : out) r.errorSchema = "OpenAiErrorResponse";
    return out;
  }

  private static Reply guard(Callable<Reply> handler) throws Exception {
    try {
      return handler.call();
    } catch (OpenAiException e) {
      return e.error.reply(Map.of());
    } catch (ApiException e) {
      return OpenAiJson.error(e);
    }
  }

  // ---------------------------------------------------------------- handlers

  private Reply generations(Request request) {
    OpenAiParams p = new OpenAiParams(Json.parseObject(request.body()), false);
    p.refuseUnknown(GENERATION_FIELDS);
    Options o = options(p);
    o.a1111.put("prompt", p.prompt(config));
    String style = p.text("style", 20);
    if (style != null && !style.equals("vivid") && !style.equals("natural"))
      throw OpenAiJson.invalid("style", "style must be 'vivid' or 'natural', got '" + style + "'");
    String moderation = p.text("moderation", 20);
    if (moderation != null && !moderation.equals("auto") && !moderation.equals("low"))
      throw OpenAiJson.invalid(
          "moderation", "moderation must be 'auto' or 'low', got '" + moderation + "'");
    Txt2ImgRequest r = Txt2ImgRequest.parse(o.a1111, config);
    return await(submitter.submit(r, Job.Kind.TXT2IMG), o, request);
  }

  private Reply edits(Request request) {
    OpenAiForm form = OpenAiForm.parse(request, EDIT_FIELDS, Set.of("image", "image[]", "mask"));
    ImageHeader image = form.image();
    Multipart.Part mask = form.files().get("mask");
    if (mask != null) {
      ImageHeader m = OpenAiForm.checkImage("mask", mask.data());
      if (m.width() != image.width() || m.height() != image.height())
        throw OpenAiJson.invalid(
            "mask",
            "the mask is "
                + m.width()
                + "x"
                + m.height()
                + " but the image is "
                + image.width()
                + "x"
                + image.height()
                + "; they must be the same size");
    }
    Options o = options(form.params());
    o.a1111.put("prompt", form.params().prompt(config));
    img2img(form, o, EDIT_STRENGTH);
    if (mask != null) {
      o.a1111.put("mask", Base64.getEncoder().encodeToString(openAiMask(mask.data())));
      o.a1111.put("mask_blur", 0);
      o.a1111.put("inpainting_fill", 1);
      o.a1111.put("inpaint_full_res", false);
    }
    return await(
        submitter.submit(Img2ImgRequest.parse(o.a1111, config), Job.Kind.IMG2IMG), o, request);
  }

  /**
   * OpenAI's mask (fully transparent pixels, alpha 0, are edited) as an A1111 mask: a gray PNG,
   * white where the mask's alpha is 0, black elsewhere. A mask without such a pixel is a 400.
   */
  static byte[] openAiMask(byte[] bytes) {
    BufferedImage m;
    try {
      m = ImageDecoder.decode(bytes, ImageLimits.UPLOADS);
    } catch (BadImageException e) {
      throw OpenAiJson.invalid("mask", "the mask is " + e.getMessage());
    }
    int w = m.getWidth();
    int h = m.getHeight();
    int[] argb = m.getRGB(0, 0, w, h, null, 0, w);
    boolean any = false;
    int[] gray = new int[argb.length];
    for (int i = 0; i < argb.length; i++) {
      boolean edit = m.getColorModel().hasAlpha() && (argb[i] >>> 24) == 0;
      any |= edit;
      gray[i] = edit ? 0xFFFFFF : 0;
    }
    if (!any)
      throw OpenAiJson.invalid(
          "mask",
          "the mask has no fully transparent pixel (alpha 0), so it would edit nothing: make the"
              + " area to edit transparent (a PNG with an alpha channel)");
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    out.setRGB(0, 0, w, h, gray, 0, w);
    return Png.encode(out, null);
  }

  private Reply variations(Request request) {
    OpenAiForm form = OpenAiForm.parse(request, VARIATION_FIELDS, Set.of("image"));
    form.image();
    Options o = options(form.params());
    o.a1111.put("prompt", "");
    img2img(form, o, VARIATION_STRENGTH);
    return await(
        submitter.submit(Img2ImgRequest.parse(o.a1111, config), Job.Kind.IMG2IMG), o, request);
  }

  private void img2img(OpenAiForm form, Options o, double defaultStrength) {
    Double strength = form.params().number("strength", 0, 1);
    double s = strength == null ? defaultStrength : strength;
    int steps = o.a1111.get("steps").intValue();
    if ((int) (steps * s) < 1)
      throw OpenAiJson.invalid(
          "strength",
          "strength "
              + s
              + " with "
              + steps
              + " steps leaves no step to run (int(steps x strength) run); raise one of them");
    o.a1111.put("denoising_strength", s);
    o.a1111.putArray("init_images").add(Base64.getEncoder().encodeToString(form.imageBytes()));
    // A given size is filled without distortion (crop and resize); "auto" keeps the picture's.
    o.a1111.put("resize_mode", o.sized ? 1 : 0);
  }

  private Reply modelList(Request request) {
    ObjectNode out = Json.object();
    out.put("object", "list");
    ArrayNode data = out.putArray("data");
    for (ModelInfo m : models.registry().models()) data.add(model(m));
    return Reply.json(out);
  }

  private Reply model(Request request) {
    String name = request.pathParams().get("model");
    ModelInfo m = models.registry().find(name);
    if (m == null)
      throw new OpenAiException(
          new OpenAiJson.Error(
              404,
              "no model '"
                  + Json.abbreviate(name)
                  + "'; available: "
                  + Models.titles(models.registry().models()),
              "invalid_request_error",
              "model",
              "model_not_found"));
    return Reply.json(model(m));
  }

  private ObjectNode model(ModelInfo m) {
    ObjectNode o = Json.object();
    o.put("id", m.title());
    o.put("object", "model");
    o.put("created", created);
    o.put("owned_by", "altdiffusion");
    return o;
  }

  private Reply file(Request request) throws IOException {
    String name = request.pathParams().get("name");
    OpenAiException missing =
        new OpenAiException(
            new OpenAiJson.Error(
                404,
                "no picture '" + Json.abbreviate(String.valueOf(name)) + "' on this server",
                "invalid_request_error",
                null,
                "not_found"));
    if (files == null || name == null || !FILE_NAME.matcher(name).matches()) throw missing;
    try {
      return Reply.bytes("image/png", Files.readAllBytes(files.resolve(name)));
    } catch (NoSuchFileException e) {
      throw missing;
    }
  }

  // ---------------------------------------------------------------- requests

  /** The A1111 body being built, the answer's format and whether a size was given. */
  private record Options(ObjectNode a1111, boolean url, boolean sized) {}

  private Options options(OpenAiParams p) {
    ObjectNode a = Json.object();
    String model = p.text("model", 300);
    if (model != null && !model.isBlank() && !OPENAI_MODELS.contains(model.strip())) {
      try {
        a.putObject("override_settings").put("sd_model_checkpoint", models.resolve(model.strip()));
      } catch (ApiException e) {
        throw new OpenAiException(
            new OpenAiJson.Error(
                404, e.detail(), "invalid_request_error", "model", "model_not_found"));
      }
    }
    Long n = p.integer("n", 1, config.maxBatchSize());
    a.put("batch_size", n == null ? 1 : n);
    String size = p.text("size", 40);
    boolean sized = size != null && !size.equals("auto");
    if (sized) {
      Matcher m = SIZE.matcher(size);
      if (!m.matches())
        throw OpenAiJson.invalid(
            "size",
            "size must be 'WIDTHxHEIGHT' (e.g. '512x512') or 'auto', got '"
                + Json.abbreviate(size)
                + "'");
      a.put("width", side("width", Integer.parseInt(m.group(1))));
      a.put("height", side("height", Integer.parseInt(m.group(2))));
    }
    String format = p.text("response_format", 20);
    boolean url = false;
    if (format != null && !format.equals("b64_json")) {
      if (!format.equals("url"))
        throw OpenAiJson.invalid(
            "response_format",
            "response_format must be 'b64_json' or 'url', got '" + Json.abbreviate(format) + "'");
      if (files == null)
        throw OpenAiJson.invalid(
            "response_format",
            "response_format 'url' needs an output folder to keep the pictures in: start serve"
                + " with --output DIR, or ask for b64_json");
      url = true;
    }
    String outputFormat = p.text("output_format", 20);
    if (outputFormat != null && !outputFormat.equals("png"))
      throw OpenAiJson.invalid(
          "output_format",
          "this server makes PNG only: output_format must be 'png', got '"
              + Json.abbreviate(outputFormat)
              + "'");
    p.integer("output_compression", 0, 100); // checked, meaningless for PNG
    String background = p.text("background", 20);
    if (background != null && !background.equals("auto") && !background.equals("opaque"))
      throw OpenAiJson.invalid(
          "background",
          "background must be 'auto' or 'opaque' (transparent pictures are not made here), got '"
              + Json.abbreviate(background)
              + "'");
    p.text("user", 1000); // ignored
    p.text("safety_identifier", 1000); // ignored
    p.text("input_fidelity", 20); // edits: ignored (no such control here)
    String quality = p.text("quality", 20);
    int steps =
        quality == null
            ? STEPS_STANDARD
            : switch (quality) {
              case "auto", "standard", "medium" -> STEPS_STANDARD;
              case "low" -> STEPS_LOW;
              case "hd", "high" -> STEPS_HIGH;
              default ->
                  throw OpenAiJson.invalid(
                      "quality",
                      "quality must be one of auto, low, medium, high, standard, hd; got '"
                          + Json.abbreviate(quality)
                          + "'");
            };
    Long givenSteps = p.integer("steps", 1, config.maxSteps());
    a.put("steps", givenSteps != null ? givenSteps.intValue() : Math.min(steps, config.maxSteps()));
    String negative = p.text("negative_prompt", config.maxPromptChars());
    if (negative != null) a.put("negative_prompt", negative);
    Long seed = p.integer("seed", -1, Txt2ImgRequest.MAX_SEED);
    if (seed != null) a.put("seed", seed);
    String sampler = p.text("sampler", 100);
    if (sampler != null) a.put("sampler_name", sampler);
    Double guidance = p.number("guidance", 0, 100);
    if (guidance != null) a.put("cfg_scale", guidance);
    ours(p, a);
    return new Options(a, url, sized);
  }

  /** Our A1111 extras: prompt styles and variation seeds, as txt2img's fields of those names. */
  private void ours(OpenAiParams p, ObjectNode a) {
    List<String> styles = p.texts("styles", Txt2ImgRequest.MAX_STYLES, 200);
    try {
      config.styles().applyToPrompt("", styles); // an unknown name is the styles field's 400
    } catch (ApiException e) {
      throw OpenAiJson.invalid("styles", e.detail());
    }
    if (!styles.isEmpty()) styles.forEach(a.putArray("styles")::add);
    Long subseed = p.integer("subseed", -1, Txt2ImgRequest.maxFirstSeed(config));
    if (subseed != null) a.put("subseed", subseed);
    Double strength = p.number("subseed_strength", 0, 1);
    if (strength != null) a.put("subseed_strength", strength);
  }

  private int side(String which, int v) {
    if (v < 8 || v > config.maxSide() || v % 8 != 0)
      throw OpenAiJson.invalid(
          "size",
          "size: the "
              + which
              + " must be a multiple of 8 from 8 to "
              + config.maxSide()
              + ", got "
              + v);
    return v;
  }

  // ---------------------------------------------------------------- answers

  private Reply await(Job job, Options o, Request request) {
    String base = base(request);
    return Reply.later(
        job.done.thenApply(
            j -> {
              try {
                return answer(j, o, base);
              } catch (OpenAiException e) {
                return e.error.reply(Map.of());
              } catch (ApiException e) {
                return OpenAiJson.error(e);
              }
            }));
  }

  /** Where the client reached this server (its Host header), for url answers. */
  private String base(Request request) {
    String host = request.headers().getFirst("Host");
    if (host == null || !host.strip().matches("[A-Za-z0-9.\\-\\[\\]:]{1,300}"))
      return baseUrl.get();
    return "http://" + host.strip();
  }

  private Reply answer(Job job, Options o, String base) {
    switch (job.status) {
      case SUCCEEDED, INTERRUPTED -> {
        ObjectNode out = Json.object();
        out.put("created", Instant.now().getEpochSecond());
        ArrayNode data = out.putArray("data");
        Txt2ImgResult result = job.result;
        for (GeneratedImage image : result.images()) {
          byte[] png = image.png();
          ObjectNode item = data.addObject();
          if (o.url) item.put("url", base + "/v1/images/files/" + store(png));
          else item.put("b64_json", Base64.getEncoder().encodeToString(png));
        }
        out.put("size", result.width() + "x" + result.height());
        out.put("output_format", "png");
        return Reply.json(out);
      }
      case CANCELLED -> {
        boolean shutdown = "server shutting down".equals(job.cancelReason);
        return new OpenAiJson.Error(
                shutdown ? 503 : 409,
                shutdown
                    ? "the server is shutting down; the job was cancelled"
                    : "the job was cancelled"
                        + (job.cancelReason == null ? "" : ": " + job.cancelReason),
                shutdown ? "server_error" : "invalid_request_error",
                null,
                shutdown ? "unavailable" : "cancelled")
            .reply(shutdown ? Map.of("Retry-After", "30") : Map.of());
      }
      default -> {
        return OpenAiJson.error(JobFactory.failure(job));
      }
    }
  }

  /** Saves a picture under an unguessable name (128 random bits) and returns the name. */
  private String store(byte[] png) {
    try {
      Files.createDirectories(files);
      while (true) {
        byte[] b = new byte[16];
        NAMES.nextBytes(b);
        String name = HexFormat.of().formatHex(b) + ".png";
        try {
          Files.write(files.resolve(name), png, StandardOpenOption.CREATE_NEW);
          return name;
        } catch (java.nio.file.FileAlreadyExistsException e) {
          // 2^-128: draw again
        }
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "saving a picture for a url answer failed", e);
      throw new OpenAiException(
          new OpenAiJson.Error(
              500,
              "saving the picture in the output folder failed: " + e.getMessage(),
              "server_error",
              null,
              null));
    }
  }
}
