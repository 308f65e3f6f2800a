package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.image.Png;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.pipeline.ControlMode;

/**
 * sd-webui-controlnet's own routes: {@code GET /controlnet/model_list}, {@code GET
 * /controlnet/module_list} and {@code POST /controlnet/detect}, in its shapes. The ControlNets come
 * from {@code serve --controlnets DIR}, read at each request; the modules are this server's
 * preprocessors (no model-based annotators).
 */
final class ControlNetRoutes {
  private static final String TAG = "ControlNet";

  /** Most pictures one detect request may send. */
  static final int MAX_DETECT_IMAGES = 16;

  private final ControlNetFolder folder;

  ControlNetRoutes(ServerConfig config) {
    this.folder = new ControlNetFolder(config.controlNets());
  }

  List<Route> routes() {
    return List.of(
        Route.get(
                "/controlnet/model_list",
                "controlnetModelList",
                "The ControlNets of the ControlNet folder, titled \"NAME [HASH8]\"",
                TAG)
            .query("update", "boolean", "ignored: the folder is read at every request")
            .ok("ControlNetModelList")
            .handler(r -> Reply.json(modelList())),
        Route.get(
                "/controlnet/module_list",
                "controlnetModuleList",
                "The preprocessors (modules) a ControlNet unit may name",
                TAG)
            .query("alias_names", "boolean", "list the UI labels instead of the names")
            .ok("ControlNetModuleList")
            .handler(r -> Reply.json(moduleList(r.queryFlag("alias_names", false)))),
        Route.post(
                "/controlnet/detect",
                "controlnetDetect",
                "Run a preprocessor on pictures and return its maps",
                TAG)
            .body("ControlNetDetectRequest", true)
            .ok("ControlNetDetectResponse")
            .handler(r -> Reply.json(detect(r.jsonObject()))));
  }

  private ObjectNode modelList() {
    ObjectNode out = Json.object();
    ArrayNode list = out.putArray("model_list");
    for (ControlNetFolder.Entry e : folder.entries()) list.add(e.title());
    return out;
  }

  private static ObjectNode moduleList(boolean aliases) {
    ObjectNode out = Json.object();
    List<String> names = aliases ? ControlNetArgs.MODULE_LABELS : ControlNetArgs.MODULES;
    ArrayNode list = out.putArray("module_list");
    names.forEach(list::add);
    ObjectNode detail = out.putObject("module_detail");
    for (int i = 0; i < names.size(); i++) {
      ObjectNode d = detail.putObject(names.get(i));
      d.put("model_free", false);
      ArrayNode sliders = d.putArray("sliders");
      String module = ControlNetArgs.MODULES.get(i);
      if (!module.equals("invert")) slider(sliders, "Resolution", 512, 64, 2048, 8);
      if (module.equals("canny")) {
        slider(sliders, "Low Threshold", 100, 1, 255, 1);
        slider(sliders, "High Threshold", 200, 1, 255, 1);
      }
      if (module.equals("scribble")) slider(sliders, "Binarization Threshold", 127, 0, 255, 1);
    }
    return out;
  }

  private static void slider(ArrayNode out, String name, int value, int min, int max, int step) {
    ObjectNode s = out.addObject();
    s.put("name", name);
    s.put("value", value);
    s.put("min", min);
    s.put("max", max);
    s.put("step", step);
  }

  private static ObjectNode detect(ObjectNode body) {
    JsonNode moduleNode = body.get("controlnet_module");
    if (moduleNode != null && !moduleNode.isNull() && !moduleNode.isTextual())
      throw ApiException.invalid(
          "controlnet_module must be a module name, got " + Json.describe(moduleNode));
    String module = moduleNode == null || moduleNode.isNull() ? "none" : moduleNode.textValue();
    Preprocessor p = ControlNetArgs.module("controlnet_module", module);
    JsonNode images = body.get("controlnet_input_images");
    if (images == null || images.isNull()) images = body.get("controlnet_images"); // old name
    if (images == null || images.isNull() || (images.isArray() && images.isEmpty()))
      throw ApiException.invalid("controlnet_input_images: no image selected; send base64 images");
    if (!images.isArray())
      throw ApiException.invalid(
          "controlnet_input_images must be an array of base64 images, got "
              + Json.describe(images));
    if (images.size() > MAX_DETECT_IMAGES)
      throw ApiException.invalid(
          "controlnet_input_images: at most " + MAX_DETECT_IMAGES + " per request");
    JsonNode masks = body.get("controlnet_masks");
    if (masks != null && !masks.isNull() && !(masks.isArray() && masks.isEmpty()))
      throw ApiException.invalid("controlnet_masks: masks are not supported by this server");
    ObjectNode unit = Json.object();
    unit.put("module", module);
    copy(body, "controlnet_processor_res", unit, "processor_res");
    copy(body, "controlnet_threshold_a", unit, "threshold_a");
    copy(body, "controlnet_threshold_b", unit, "threshold_b");
    Preprocessor.Settings settings = ControlNetArgs.settings("controlnet", p, unit);
    ObjectNode out = Json.object();
    ArrayNode maps = out.putArray("images");
    for (int i = 0; i < images.size(); i++) {
      String field = "controlnet_input_images[" + i + "]";
      JsonNode img = images.get(i);
      if (!img.isTextual())
        throw ApiException.invalid(field + " must be a base64 image, got " + Json.describe(img));
      BufferedImage picture = InitImages.decode(ImageInput.decode(field, img.textValue()));
      maps.add(Base64.getEncoder().encodeToString(Png.encode(p.apply(picture, settings), null)));
    }
    out.put("info", "Success");
    return out;
  }

  private static void copy(ObjectNode from, String key, ObjectNode to, String as) {
    JsonNode v = from.get(key);
    if (v != null && !v.isNull()) to.set(as, v);
  }

  /** The schema of {@code alwayson_scripts.controlnet}. */
  static Map<String, Object> scriptSchema() {
    Map<String, Object> unit = new LinkedHashMap<>();
    unit.put("enabled", OpenApi.map("type", "boolean", "description", "false (default): ignored"));
    unit.put("image", image("the control picture; absent in img2img = the init image"));
    unit.put("input_image", image("old name of image"));
    unit.put(
        "module",
        OpenApi.map(
            "type",
            "string",
            "description",
            "preprocessor: " + String.join(", ", ControlNetArgs.MODULES) + " (default none)"));
    unit.put(
        "model",
        OpenApi.map(
            "type", "string", "description", "a title of /controlnet/model_list, or its name"));
    unit.put("weight", number(0, 2, "conditioning scale (default 1)"));
    unit.put("guidance_start", number(0, 1, "fraction of the steps it starts at (default 0)"));
    unit.put("guidance_end", number(0, 1, "fraction of the steps it stops at (default 1)"));
    unit.put(
        "resize_mode",
        OpenApi.map(
            "description",
            "0 Just Resize, 1 Crop and Resize (default), 2 Resize and Fill, or the names",
            "oneOf",
            List.of(
                OpenApi.map("type", "integer", "minimum", 0, "maximum", 3),
                OpenApi.map("type", "string"))));
    unit.put(
        "control_mode",
        OpenApi.map(
            "description",
            "0 Balanced (default), 1 My prompt is more important, 2 ControlNet is more important",
            "oneOf",
            List.of(
                OpenApi.map("type", "integer", "enum", List.of(0, 1, 2)),
                OpenApi.map(
                    "type",
                    "string",
                    "enum",
                    java.util.Arrays.stream(ControlMode.values())
                        .map(ControlMode::label)
                        .toList()))));
    unit.put(
        "processor_res",
        OpenApi.map(
            "type",
            "integer",
            "description",
            "canny/scribble: the short side the picture is scaled to first, 64..2048 (-1 = 512)"));
    unit.put(
        "threshold_a",
        OpenApi.map("type", "number", "description", "canny low (-1 = 100), scribble threshold"));
    unit.put("threshold_b", OpenApi.map("type", "number", "description", "canny high (-1 = 200)"));
    unit.put(
        "pixel_perfect",
        OpenApi.map(
            "type",
            "boolean",
            "description",
            "processor_res from the picture and the target size (the extension's formula)"));
    unit.put("low_vram", OpenApi.map("type", "boolean", "description", "ignored"));
    unit.put(
        "guessmode",
        OpenApi.map("type", "boolean", "description", "diffusers' guess mode (same in all units)"));
    Map<String, Object> args =
        OpenApi.map(
            "type",
            "array",
            "items",
            OpenApi.map(
                "type",
                "object",
                "properties",
                unit,
                "additionalProperties",
                true,
                "description",
                "sd-webui-controlnet's ControlNetUnit; other fields are ignored, masks refused"));
    return OpenApi.map(
        "type",
        "object",
        "nullable",
        true,
        "properties",
        OpenApi.map("args", args),
        "description",
        "sd-webui-controlnet's units");
  }

  private static Map<String, Object> image(String d) {
    return OpenApi.map("type", "string", "nullable", true, "description", d + " (base64)");
  }

  private static Map<String, Object> number(double min, double max, String d) {
    return OpenApi.map("type", "number", "minimum", min, "maximum", max, "description", d);
  }

  static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put(
        "ControlNetModelList",
        OpenApi.map(
            "type",
            "object",
            "required",
            List.of("model_list"),
            "properties",
            OpenApi.map(
                "model_list",
                OpenApi.map("type", "array", "items", OpenApi.map("type", "string")))));
    s.put(
        "ControlNetModuleList",
        OpenApi.map(
            "type",
            "object",
            "required",
            List.of("module_list", "module_detail"),
            "properties",
            OpenApi.map(
                "module_list",
                OpenApi.map("type", "array", "items", OpenApi.map("type", "string")),
                "module_detail",
                OpenApi.map("type", "object", "description", "per module: model_free, sliders"))));
    s.put(
        "ControlNetDetectRequest",
        OpenApi.map(
            "type",
            "object",
            "properties",
            OpenApi.map(
                "controlnet_module",
                OpenApi.map("type", "string", "description", "a module of /controlnet/module_list"),
                "controlnet_input_images",
                OpenApi.map(
                    "type",
                    "array",
                    "maxItems",
                    MAX_DETECT_IMAGES,
                    "items",
                    OpenApi.map("type", "string", "description", "base64 image")),
                "controlnet_processor_res",
                OpenApi.map("type", "integer", "description", "-1 = default"),
                "controlnet_threshold_a",
                OpenApi.map("type", "number"),
                "controlnet_threshold_b",
                OpenApi.map("type", "number")),
            "additionalProperties",
            true));
    s.put(
        "ControlNetDetectResponse",
        OpenApi.map(
            "type",
            "object",
            "required",
            List.of("images", "info"),
            "properties",
            OpenApi.map(
                "images",
                OpenApi.map("type", "array", "items", OpenApi.map("type", "string")),
                "info",
                OpenApi.map("type", "string"),
                "warnings",
                OpenApi.map("type", "array", "items", OpenApi.map("type", "string")))));
    return s;
  }
}
