package org.altdiffusion.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** The OpenAI images API's request and answer schemas, for the OpenAPI document. */
final class OpenAiSchemas {
  private OpenAiSchemas() {}

  /** The request schemas of the OpenAPI document. */
  static Map<String, Object> schemas(ServerConfig c) {
    Map<String, Object> s = new LinkedHashMap<>();
    Map<String, Object> common = new LinkedHashMap<>();
    common.put(
        "model",
        str(
            "a model title or name (GET /v1/models); absent or an OpenAI name ("
                + String.join(", ", new TreeSet<>(OpenAiImages.OPENAI_MODELS))
                + ") = the current model"));
    common.put("n", integer("images to make, 1 to " + c.maxBatchSize() + " (one batch)"));
    common.put(
        "size",
        str(
            "'WIDTHxHEIGHT', multiples of 8 up to "
                + c.maxSide()
                + ", or 'auto' (generations: the model's size; edits/variations: the picture's)"));
    common.put(
        "response_format",
        str("b64_json (default) or url (needs the server started with --output)"));
    common.put(
        "quality",
        str(
            "steps: low "
                + OpenAiImages.STEPS_LOW
                + ", auto/standard/medium "
                + OpenAiImages.STEPS_STANDARD
                + ", high/hd "
                + OpenAiImages.STEPS_HIGH
                + " (steps overrides)"));
    common.put("user", str("ignored"));
    common.put("safety_identifier", str("ignored"));
    common.put("output_format", str("png only"));
    common.put("output_compression", integer("0 to 100, ignored (PNG)"));
    common.put("background", str("auto or opaque (transparent is refused)"));
    common.put("negative_prompt", str("ours: what to steer away from"));
    common.put("seed", integer("ours: seed of the first image, -1 = random"));
    common.put("steps", integer("ours: sampling steps, 1 to " + c.maxSteps()));
    common.put("sampler", str("ours: a sampler name (GET /sdapi/v1/samplers)"));
    common.put("guidance", num("ours: classifier-free guidance scale, 0 to 100"));
    Map<String, Object> styles = new LinkedHashMap<>();
    styles.put("type", "array");
    styles.put("items", Txt2ImgRequest.stylesItems(c));
    styles.put("maxItems", c.styles().list().isEmpty() ? 0 : Txt2ImgRequest.MAX_STYLES);
    styles.put(
        "description",
        "ours: prompt styles (GET /sdapi/v1/prompt-styles) applied in order as txt2img's styles;"
            + " in a form, one styles (or styles[]) field per name");
    common.put("styles", styles);
    common.put(
        "subseed",
        bounded(
            "integer",
            -1,
            Txt2ImgRequest.maxFirstSeed(c),
            "ours: variation seed of the first image (A1111's subseed), -1 = random"));
    common.put(
        "subseed_strength",
        bounded(
            "number",
            0,
            1,
            "ours: variation strength (A1111's subseed_strength): image i starts from"
                + " slerp(strength, noise(seed + i), noise(subseed + i)); 0 = none"));
    Map<String, Object> gen = new LinkedHashMap<>(common);
    gen.put("prompt", str("required: what the picture shows"));
    gen.put("style", str("vivid or natural, ignored"));
    gen.put("moderation", str("auto or low, ignored"));
    s.put("OpenAiImageGenerationRequest", object(List.of("prompt"), gen));
    Map<String, Object> edit = new LinkedHashMap<>(common);
    edit.put("image", file("required: the picture (PNG, JPEG, BMP or GIF); image[] accepted"));
    edit.put(
        "mask",
        file(
            "optional: a PNG of the image's size whose fully transparent pixels (alpha 0) are"
                + " repainted (inpainting, the rest pasted back unchanged; no mask blur)"));
    edit.put("prompt", str("required: what the picture should show"));
    edit.put(
        "strength", num("ours: denoising strength 0 to 1, default " + OpenAiImages.EDIT_STRENGTH));
    edit.put("input_fidelity", str("ignored"));
    s.put("OpenAiImageEditRequest", object(List.of("image", "prompt"), edit));
    Map<String, Object> variation = new LinkedHashMap<>(common);
    variation.put("image", file("required: the picture (PNG, JPEG, BMP or GIF)"));
    variation.put(
        "strength",
        num("ours: denoising strength 0 to 1, default " + OpenAiImages.VARIATION_STRENGTH));
    s.put("OpenAiImageVariationRequest", object(List.of("image"), variation));
    Map<String, Object> item = new LinkedHashMap<>();
    item.put("b64_json", str("the PNG, base64 (response_format b64_json)"));
    item.put("url", str("where to GET the PNG, with the same token (response_format url)"));
    Map<String, Object> images = new LinkedHashMap<>();
    images.put("created", integer("unix time"));
    images.put("data", Map.of("type", "array", "items", object(List.of(), item)));
    images.put("size", str("WIDTHxHEIGHT of the pictures"));
    images.put("output_format", str("png"));
    s.put("OpenAiImagesResponse", object(List.of("created", "data"), images));
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("id", str("the model title"));
    model.put("object", str("model"));
    model.put("created", integer("unix time the server started"));
    model.put("owned_by", str("altdiffusion"));
    s.put("OpenAiModel", object(List.of("id", "object", "created", "owned_by"), model));
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("object", str("list"));
    list.put(
        "data",
        Map.of("type", "array", "items", Map.of("$ref", "#/components/schemas/OpenAiModel")));
    s.put("OpenAiModelList", object(List.of("object", "data"), list));
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("message", str("what was wrong and what is accepted"));
    error.put(
        "type",
        str("invalid_request_error, authentication_error, rate_limit_error or server_error"));
    error.put("param", Map.of("type", "string", "nullable", true, "description", "the field"));
    error.put(
        "code", Map.of("type", "string", "nullable", true, "description", "e.g. model_not_found"));
    s.put(
        "OpenAiErrorResponse",
        object(
            List.of("error"),
            Map.of("error", object(List.of("message", "type", "param", "code"), error))));
    return s;
  }

  private static Map<String, Object> object(List<String> required, Map<String, Object> props) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("type", "object");
    if (!required.isEmpty()) o.put("required", required);
    o.put("properties", props);
    return o;
  }

  private static Map<String, Object> str(String d) {
    return Map.of("type", "string", "description", d);
  }

  private static Map<String, Object> num(String d) {
    return Map.of("type", "number", "description", d);
  }

  private static Map<String, Object> integer(String d) {
    return Map.of("type", "integer", "description", d);
  }

  private static Map<String, Object> bounded(String type, long min, long max, String d) {
    return Map.of("type", type, "minimum", min, "maximum", max, "description", d);
  }

  private static Map<String, Object> file(String d) {
    return Map.of("type", "string", "format", "binary", "description", d);
  }
}
