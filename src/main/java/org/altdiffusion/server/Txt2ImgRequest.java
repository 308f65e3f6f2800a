package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.pipeline.HiresUpscale;

/**
 * A txt2img request in AUTOMATIC1111's form ({@code StableDiffusionProcessingTxt2Img} as its API
 * takes it), validated against the server's limits; an img2img request is the same plus its {@link
 * Img2ImgRequest.Init} (parsed by {@link Img2ImgRequest}). Unknown fields are ignored as A1111
 * ignores them; fields of A1111 features this server does not have (face restoration, scripts, ...)
 * are accepted at their "off" values and refused with a 422 when switched on, so that no client
 * gets a result silently different from what it asked for.
 *
 * @param prompt the prompt (any of the model's languages)
 * @param negativePrompt the negative prompt
 * @param seed seed of the first image, -1 = random
 * @param sampler the requested sampler name (sampler_name, else sampler_index), null = the model's
 *     own
 * @param scheduler A1111's schedule type, null = automatic
 * @param batchSize images per batch
 * @param nIter batches run one after another
 * @param steps sampling steps
 * @param cfgScale classifier-free guidance scale
 * @param width image width, 0 = the model's native size
 * @param height image height, 0 = the model's native size
 * @param eta DDIM / ancestral eta, null = 0
 * @param model the model to use (override_settings.sd_model_checkpoint), null = the current one
 * @param sendImages return the images in the response
 * @param saveImages also write them to the server's output folder (when it has one)
 * @param parameters the request as A1111 echoes it: every known field with its value or default
 * @param init img2img's starting picture and how to use it; null for txt2img
 */
public record Txt2ImgRequest(
    String prompt,
    String negativePrompt,
    long seed,
    String sampler,
    String scheduler,
    int batchSize,
    int nIter,
    int steps,
    double cfgScale,
    int width,
    int height,
    Double eta,
    String model,
    boolean sendImages,
    boolean saveImages,
    ObjectNode parameters,
    Img2ImgRequest.Init init) {

  /** Largest seed: what the pipeline's noise generator accepts (2^48 - 1). */
  static final long MAX_SEED = 0xFFFF_FFFF_FFFFL;

  /** The only value of a boolean switch of a feature this server does not have (null = false). */
  static final List<Object> OFF = java.util.Arrays.asList(false, null);

  /** Text that counts as empty: only spaces, tabs and line breaks ({@link #blank}). */
  static final String BLANK_PATTERN = "^[ \\t\\r\\n]*$";

  /** True when {@code s} is null or holds only spaces, tabs and line breaks. */
  static boolean blank(String s) {
    return s == null || s.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\r' || c == '\n');
  }

  /** The largest seed a request may give: image i uses seed + i, up to {@link #MAX_SEED}. */
  static long maxFirstSeed(ServerConfig c) {
    return MAX_SEED - (c.maxImages() - 1);
  }

  /**
   * What the parser checks across fields, as OpenAPI schemas (each an {@code anyOf} that the body
   * must match, next to the per-field schemas): batch_size x n_iter at most {@code maxImages}. One
   * branch per batch_size; an absent or null batch_size (1) passes every branch's bounds, which is
   * sound because 1 is the least restrictive value.
   */
  static List<Map<String, Object>> crossFieldSchemas(ServerConfig c) {
    List<Object> branches = new ArrayList<>();
    for (int b = 1; b <= Math.min(c.maxBatchSize(), c.maxImages()); b++) {
      branches.add(
          OpenApi.map(
              "properties",
              OpenApi.map(
                  "batch_size",
                  OpenApi.map("minimum", b, "maximum", b),
                  "n_iter",
                  OpenApi.map("maximum", c.maxImages() / b))));
    }
    Map<String, Object> images = new java.util.LinkedHashMap<>();
    images.put(
        "description", "batch_size x n_iter <= " + c.maxImages() + ": one branch per batch_size");
    images.put("anyOf", branches);
    return List.of(images);
  }

  /** Most styles one request may name. */
  static final int MAX_STYLES = 64;

  /** The fields read, in A1111's order; limits from {@code config}. Also the OpenAPI schema. */
  static List<Field> fields(ServerConfig c) {
    return List.of(
        Field.string(
            "prompt", "", c.maxPromptChars(), "The prompt, in any language the model knows."),
        Field.string("negative_prompt", "", c.maxPromptChars(), "What to steer away from."),
        Field.array(
                "styles",
                "Prompt styles (see /sdapi/v1/prompt-styles) applied in order to the prompt and"
                    + " negative prompt, as A1111 does: a style prompt with {prompt} gets the"
                    + " prompt in its place, any other is appended after \", \"."
                    + (c.styles().list().isEmpty()
                        ? " This server has none (serve --styles FILE); it must be empty."
                        : ""))
            .with("items", stylesItems(c))
            .with("maxItems", c.styles().list().isEmpty() ? 0 : MAX_STYLES),
        Field.integer(
            "seed",
            -1L,
            -1,
            maxFirstSeed(c),
            "Seed of the first image; image i uses seed + i. -1 = random. At most 2^48 - "
                + c.maxImages()
                + ", so that the seed of every image of a request stays below 2^48."),
        Field.integer(
            "subseed",
            -1L,
            -1,
            maxFirstSeed(c),
            "Variation seed of the first image (A1111's variation seeds); image i uses subseed +"
                + " i. -1 = random. Used when subseed_strength > 0."),
        Field.number(
            "subseed_strength",
            0.0,
            0,
            1,
            "Variation strength: each image starts from slerp(strength, noise(seed + i),"
                + " noise(subseed + i)) as A1111 computes it; 0 = none, 1 = the variation seed's"
                + " noise."),
        // Values above 0 pass the type check and are refused as unsupported, with that reason.
        Field.integer(
                "seed_resize_from_w",
                -1L,
                -1,
                MAX_SEED,
                "Resize seed from width: not supported; -1 or 0 (off).")
            .with("maximum", 0),
        Field.integer(
                "seed_resize_from_h",
                -1L,
                -1,
                MAX_SEED,
                "Resize seed from height: not supported; -1 or 0 (off).")
            .with("maximum", 0),
        Field.string(
            "sampler_name",
            null,
            100,
            "Sampler (see /sdapi/v1/samplers); null = sampler_index, else the model's own"
                + " scheduler."),
        Field.string("sampler_index", null, 100, "Older name of sampler_name."),
        Field.string(
            "scheduler",
            null,
            100,
            "A1111 schedule type; only 'Automatic' exists here, other values fall back to it with a"
                + " warning (as A1111 does)."),
        Field.integer("batch_size", 1L, 1, c.maxBatchSize(), "Images generated together."),
        Field.integer(
            "n_iter",
            1L,
            1,
            c.maxImages(),
            "Batches generated one after another (batch_size x n_iter <= " + c.maxImages() + ")."),
        Field.integer("steps", 50L, 1, c.maxSteps(), "Sampling steps."),
        Field.number(
            "cfg_scale", 7.0, 0, 100, "Classifier-free guidance scale; <= 1 disables guidance."),
        Field.integer(
                "width",
                0L,
                0,
                c.maxSide(),
                "Image width in pixels, a multiple of 8; absent or 0 = the model's native size.")
            .with("multipleOf", 8),
        Field.integer(
                "height",
                0L,
                0,
                c.maxSide(),
                "Image height in pixels, a multiple of 8; absent or 0 = the model's native size.")
            .with("multipleOf", 8),
        Field.number("eta", null, 0, 10, "DDIM eta (noise of ancestral steps); null = 0."),
        Field.number(
            "denoising_strength",
            0.75,
            0,
            1,
            "Hires fix's denoising strength (used with enable_hr; with it, it must leave at least"
                + " one step of the second pass: int(steps x strength) >= 1, refused with a 422"
                + " otherwise)."),
        Field.bool("restore_faces", false, "Face restoration: not supported; must be false.")
            .with("enum", OFF),
        Field.bool(
            "tiling",
            false,
            "Tiling: every convolution pads circularly, so the picture's opposite edges continue"
                + " each other (seamless textures)."),
        Field.bool(
            "enable_hr",
            false,
            "Hires fix: after the first pass, an image-to-image pass of the same sampler at"
                + " width/height x hr_scale (each side truncated must be a multiple of 8 and at"
                + " most "
                + c.maxSide()
                + ", else a 422). The infotext's Size stays the first pass's."),
        Field.number(
            "hr_scale",
            2.0,
            1,
            HiresFields.MAX_SCALE,
            "Hires fix: the second pass's size over the first's."),
        Field.string(
                "hr_upscaler",
                HiresUpscale.DEFAULT,
                100,
                "Hires fix upscaler: the Latent modes interpolate the latents as A1111 does; None"
                    + " and Lanczos decode, resize with PIL's Lanczos and encode again.")
            .with("enum", HiresFields.upscalers()),
        Field.integer(
            "hr_second_pass_steps",
            0L,
            0,
            c.maxSteps(),
            "Hires fix: steps of the second pass before the strength cut; 0 = steps."),
        Field.integer(
                "hr_resize_x",
                0L,
                0,
                c.maxSide(),
                "Hires fix: the second pass's width instead of hr_scale, as A1111: with"
                    + " hr_resize_y 0 the height follows the first pass's aspect ratio (its side"
                    + " rounded down to a multiple of 8); with both, the first pass is upscaled to"
                    + " cover hr_resize_x x hr_resize_y and the excess is cut, half on each side;"
                    + " 0 = from hr_scale.")
            .with("multipleOf", 8),
        Field.integer(
                "hr_resize_y",
                0L,
                0,
                c.maxSide(),
                "Hires fix: the second pass's height instead of hr_scale (see hr_resize_x).")
            .with("multipleOf", 8),
        Field.string(
            "hr_sampler_name",
            null,
            100,
            "Hires fix: the second pass's sampler (see /sdapi/v1/samplers); null, empty or 'Use"
                + " same sampler' = the first pass's."),
        Field.string(
            "hr_scheduler",
            null,
            100,
            "Hires fix: the second pass's schedule type, Automatic or Karras; null, empty or 'Use"
                + " same scheduler' = the first pass's."),
        Field.string(
            "hr_prompt",
            "",
            c.maxPromptChars(),
            "Hires fix: the second pass's prompt, styles applied as to prompt; empty = the"
                + " prompt. Its <lora:...> tags must be the prompt's."),
        Field.string(
            "hr_negative_prompt",
            "",
            c.maxPromptChars(),
            "Hires fix: the second pass's negative prompt, styles applied; empty = the negative"
                + " prompt."),
        Field.object(
                "override_settings",
                "Settings for this request only; sd_model_checkpoint selects the model (see"
                    + " /sdapi/v1/sd-models), CLIP_stop_at_last_layers is the clip skip (1-12,"
                    + " CLIP text encoders only). Other keys are ignored.")
            .with(
                "properties",
                Map.of(
                    "sd_model_checkpoint",
                    OpenApi.map("type", "string", "nullable", true),
                    "CLIP_stop_at_last_layers",
                    OpenApi.map("type", "integer", "minimum", 1, "maximum", MAX_CLIP_SKIP))),
        Field.bool(
            "override_settings_restore_afterwards",
            true,
            "Always true here: overrides never outlive the request."),
        Field.string(
                "script_name",
                null,
                200,
                "A1111 scripts: not supported; must be null, empty or blank (spaces, tabs, line"
                    + " breaks).")
            .with("pattern", BLANK_PATTERN),
        Field.array("script_args", "Arguments of script_name; ignored when there is no script."),
        Field.object(
                "alwayson_scripts",
                "A1111 always-on scripts: only \"controlnet\" (sd-webui-controlnet's API:"
                    + " {\"args\": [unit, ...]}, see /controlnet/model_list and"
                    + " /controlnet/module_list). Any other script is refused.")
            .with(
                "properties",
                Map.of(
                    "controlnet",
                    ControlNetRoutes.scriptSchema(),
                    "ControlNet",
                    ControlNetRoutes.scriptSchema()))
            .with("additionalProperties", false),
        Field.bool("send_images", true, "Return the images (base64 PNG) in the response."),
        Field.bool(
            "save_images",
            false,
            "Also save them in the server's output folder (only when the server was started with"
                + " --output)."));
  }

  /**
   * Parses and validates {@code body}; any problem is an {@link ApiException} (422) naming the
   * field.
   */
  static Txt2ImgRequest parse(ObjectNode body, ServerConfig config) {
    return parse(body, config, fields(config), (echo, r) -> r);
  }

  /**
   * Parses the fields common to txt2img and img2img, then lets {@code extra} check and complete the
   * request (img2img: its init image and size) and edit the echo.
   */
  static Txt2ImgRequest parse(
      ObjectNode body,
      ServerConfig config,
      List<Field> fields,
      java.util.function.BiFunction<ObjectNode, Txt2ImgRequest, Txt2ImgRequest> extra) {
    ObjectNode echo = Json.object();
    for (Field f : fields) echo.set(f.name(), read(f, body));
    refuseUnsupported(echo);
    List<String> styles = styleNames(echo.get("styles"));
    String prompt = config.styles().applyToPrompt(echo.get("prompt").textValue(), styles);
    String negative =
        config.styles().applyToNegativePrompt(echo.get("negative_prompt").textValue(), styles);
    String sampler = firstNonBlank(text(echo, "sampler_name"), text(echo, "sampler_index"));
    String scheduler = text(echo, "scheduler");
    int batch = echo.get("batch_size").intValue();
    int nIter = echo.get("n_iter").intValue();
    if ((long) batch * nIter > config.maxImages()) {
      throw ApiException.invalid(
          "batch_size x n_iter = "
              + (long) batch * nIter
              + " images; at most "
              + config.maxImages()
              + " per request are accepted");
    }
    long seed = echo.get("seed").longValue(); // at most maxFirstSeed: room for every image
    int width = side(echo, "width");
    int height = side(echo, "height");
    JsonNode etaNode = echo.get("eta");
    Double eta = etaNode.isNull() ? null : etaNode.doubleValue();
    String model = modelOverride(echo.get("override_settings"));
    clipSkip(echo); // checked here: a bad value is the request's fault (422)
    Txt2ImgRequest r =
        new Txt2ImgRequest(
            prompt == null ? "" : prompt,
            negative == null ? "" : negative,
            seed,
            sampler,
            scheduler,
            batch,
            nIter,
            echo.get("steps").intValue(),
            echo.get("cfg_scale").doubleValue(),
            width,
            height,
            eta,
            model,
            echo.get("send_images").booleanValue(),
            echo.get("save_images").booleanValue(),
            echo,
            null);
    Txt2ImgRequest done = extra.apply(echo, r);
    // checked here so that a bad unit is a 422 before the job queues; the runner reads them again
    ControlNetArgs.parse(
        echo.get("alwayson_scripts"),
        new ControlNetFolder(config.controlNets()),
        done.init() != null);
    return done;
  }

  /** This request with img2img's part and the image size it settled. */
  Txt2ImgRequest withImg2Img(Img2ImgRequest.Init init, int width, int height) {
    return new Txt2ImgRequest(
        prompt,
        negativePrompt,
        seed,
        sampler,
        scheduler,
        batchSize,
        nIter,
        steps,
        cfgScale,
        width,
        height,
        eta,
        model,
        sendImages,
        saveImages,
        parameters,
        init);
  }

  static JsonNode read(Field f, ObjectNode body) {
    var factory = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
    return switch (f.kind()) {
      case STRING -> factory.textNode(f.text(body));
      case INTEGER -> factory.numberNode(f.integer(body));
      case NUMBER -> {
        Double d = f.number(body);
        yield d == null ? factory.nullNode() : factory.numberNode(d);
      }
      case BOOLEAN -> factory.booleanNode(f.bool(body));
      case OBJECT -> f.object(body);
      case ARRAY -> f.array(body);
    };
  }

  static String text(ObjectNode echo, String key) {
    JsonNode n = echo.get(key);
    return n == null || n.isNull() ? null : n.textValue();
  }

  private static String firstNonBlank(String a, String b) {
    if (a != null && !a.isBlank()) return a.strip();
    if (b != null && !b.isBlank()) return b.strip();
    return null;
  }

  private static int side(ObjectNode echo, String key) {
    int v = echo.get(key).intValue();
    if (v == 0) return 0;
    if (v < 8)
      throw ApiException.invalid(
          key + " must be at least 8 pixels (or 0 / absent for the default size), got " + v);
    if (v % 8 != 0) {
      int below = Math.max(8, v / 8 * 8);
      throw ApiException.invalid(
          key
              + " must be a multiple of 8 (the VAE works on 8x8 pixel cells), got "
              + v
              + "; use "
              + below
              + " or "
              + (v / 8 * 8 + 8));
    }
    return v;
  }

  /** The schema of a style name: one of the server's styles. */
  static Map<String, Object> stylesItems(ServerConfig c) {
    List<String> names = c.styles().list().stream().map(PromptStyles.Style::name).toList();
    return names.isEmpty() ? Map.of("type", "string") : Map.of("type", "string", "enum", names);
  }

  static List<String> styleNames(JsonNode styles) {
    if (styles.size() > MAX_STYLES)
      throw ApiException.invalid(
          "styles: " + styles.size() + " names; at most " + MAX_STYLES + " are accepted");
    List<String> names = new ArrayList<>();
    for (JsonNode n : styles) {
      if (!n.isTextual())
        throw ApiException.invalid(
            "styles must be an array of style names (strings), got " + Json.describe(n));
      names.add(n.textValue());
    }
    return names;
  }

  private static void refuseUnsupported(ObjectNode echo) {
    List<String> on = new ArrayList<>();
    if (echo.get("seed_resize_from_w").longValue() > 0
        || echo.get("seed_resize_from_h").longValue() > 0)
      on.add("seed_resize_from_w / seed_resize_from_h > 0 (resize seed from)");
    if (echo.get("restore_faces").booleanValue()) on.add("restore_faces");
    if (echo.has("hr_resize_x")) {
      side(echo, "hr_resize_x");
      side(echo, "hr_resize_y");
    }
    if (echo.has("hr_upscaler") && !HiresUpscale.NAMES.contains(text(echo, "hr_upscaler"))) {
      throw ApiException.invalid(
          "hr_upscaler \""
              + Json.abbreviate(text(echo, "hr_upscaler"))
              + "\" is not available; accepted: "
              + String.join(", ", HiresUpscale.NAMES));
    }
    String script = text(echo, "script_name");
    if (!blank(script)) on.add("script_name ('" + Json.abbreviate(script) + "')");
    List<String> scripts = new ArrayList<>();
    echo.get("alwayson_scripts")
        .fieldNames()
        .forEachRemaining(
            n -> {
              if (!n.equalsIgnoreCase("controlnet")) scripts.add(Json.abbreviate(n));
            });
    if (!scripts.isEmpty())
      on.add(
          "alwayson_scripts ("
              + String.join(", ", scripts)
              + "; only \"controlnet\" is available)");
    if (!on.isEmpty()) {
      throw ApiException.invalid(
          "not supported by this server: "
              + String.join("; ", on)
              + ". Leave these fields out or at their defaults (false / empty / 0).");
    }
  }

  /** A1111's slider maximum for "Clip skip". */
  static final int MAX_CLIP_SKIP = 12;

  /** override_settings.CLIP_stop_at_last_layers: 1 (absent or null) to {@link #MAX_CLIP_SKIP}. */
  static int clipSkip(JsonNode parameters) {
    JsonNode v = parameters.path("override_settings").get("CLIP_stop_at_last_layers");
    if (v == null || v.isNull()) return 1;
    if (!v.canConvertToInt()
        || !(v.isIntegralNumber() || v.asDouble() == v.asInt())
        || v.asInt() < 1
        || v.asInt() > MAX_CLIP_SKIP)
      throw ApiException.invalid(
          "override_settings.CLIP_stop_at_last_layers must be a whole number from 1 to "
              + MAX_CLIP_SKIP
              + ", got "
              + Json.describe(v));
    return v.asInt();
  }

  private static String modelOverride(JsonNode settings) {
    JsonNode m = settings.get("sd_model_checkpoint");
    if (m == null || m.isNull()) return null;
    if (!m.isTextual())
      throw ApiException.invalid(
          "override_settings.sd_model_checkpoint must be a model title (a string), got "
              + Json.describe(m));
    String s = m.textValue().strip();
    return s.isEmpty() ? null : s;
  }

  /** Total images this request makes. */
  int imageCount() {
    return batchSize * nIter;
  }
}
