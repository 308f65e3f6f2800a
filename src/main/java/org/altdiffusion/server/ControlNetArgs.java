package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.image.ResizeMode;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.image.control.ProcessorResolution;
import org.altdiffusion.pipeline.ControlMode;

/**
 * The units of sd-webui-controlnet's {@code alwayson_scripts.controlnet.args} (its ControlNetUnit
 * as the API takes it: {@code enabled} false by default, {@code input_image} an alias of {@code
 * image}, resize_mode "Crop and Resize" by default, -1 for a preprocessor's default resolution and
 * thresholds), checked: an unknown module or model, a switch this server cannot honour (masks,
 * advanced weighting, a control mode other than Balanced with diffusers' guess mode) is a 422
 * saying what is accepted.
 */
final class ControlNetArgs {
  private ControlNetArgs() {}

  /** The extension's resize-mode names, by their int value. */
  static final List<String> RESIZE_NAMES =
      List.of("Just Resize", "Crop and Resize", "Resize and Fill");

  private static final Map<String, String> RESIZE_ALIASES =
      Map.of(
          "Inner Fit (Scale to Fit)", "Crop and Resize",
          "Outer Fit (Shrink to Fit)", "Resize and Fill",
          "Scale to Fit (Inner Fit)", "Crop and Resize",
          "Envelope (Outer Fit)", "Resize and Fill");

  /**
   * One enabled unit.
   *
   * @param index its position in args (the infotext's "ControlNet N")
   * @param module the module name as sent; {@code preprocessor} what it runs
   * @param model the model name as sent; {@code entry} the ControlNet it names
   * @param image the control picture; null = img2img's init image (as the extension does)
   * @param resizeName the extension's name of {@code resize}
   * @param processorRes the preprocessor resolution the extension would use, as its infotext shows
   *     it
   * @param thresholdA, thresholdB the values used, as the infotext writes them
   */
  record Unit(
      int index,
      String module,
      Preprocessor preprocessor,
      String model,
      ControlNetFolder.Entry entry,
      ImageInput.Upload image,
      double weight,
      double start,
      double end,
      ResizeMode resize,
      String resizeName,
      String processorRes,
      String thresholdA,
      String thresholdB,
      double low,
      double high,
      int threshold,
      boolean pixelPerfect,
      ControlMode controlMode,
      boolean guessMode) {

    /**
     * The preprocessor's settings: canny and scribble at processor_res, or with pixel_perfect at
     * the resolution the extension computes from the picture, the target size and the resize mode
     * the map is fitted with ({@code fitting}: img2img's for its init image).
     */
    Preprocessor.Settings settings(
        BufferedImage picture, int width, int height, ResizeMode fitting) {
      int res = 0;
      if (preprocessor.usesResolution())
        res =
            pixelPerfect
                ? ProcessorResolution.pixelPerfect(
                    picture.getWidth(), picture.getHeight(), width, height, fitting)
                : Integer.parseInt(processorRes);
      return new Preprocessor.Settings(low, high, false, threshold, res);
    }

    /** The extension's infotext value: "Module: canny, Model: ..., Weight: 1.0, ...". */
    String infotext() {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("Module", module);
      f.put("Model", model);
      f.put("Weight", py(weight));
      f.put("Resize Mode", resizeName);
      f.put("Processor Res", processorRes);
      f.put("Threshold A", thresholdA);
      f.put("Threshold B", thresholdB);
      f.put("Guidance Start", py(start));
      f.put("Guidance End", py(end));
      f.put("Pixel Perfect", pixelPerfect ? "True" : "False");
      f.put("Control Mode", controlMode.label());
      List<String> pairs = new ArrayList<>();
      f.forEach((k, v) -> pairs.add(k + ": " + v));
      return String.join(", ", pairs);
    }
  }

  /** The module names (the extension's keys), in its list order: none first, then by priority. */
  static final List<String> MODULES = List.of("none", "canny", "invert", "scribble");

  /** The same under the UI's labels ({@code alias_names=true}). */
  static final List<String> MODULE_LABELS =
      List.of("none", "canny", "invert (from white bg & black line)", "scribble");

  /** The preprocessor a module name or label names, or a 422 listing them. */
  static Preprocessor module(String field, String name) {
    String n = name == null ? "none" : name.strip();
    int i = MODULES.indexOf(n);
    if (i < 0) i = MODULE_LABELS.indexOf(n);
    if (i < 0)
      throw ApiException.invalid(
          field
              + ": unknown module '"
              + Json.abbreviate(n)
              + "'; accepted: "
              + String.join(", ", MODULES)
              + " (or the label 'invert (from white bg & black line)'); model-based annotators"
              + " (depth, openpose, ...) are not available");
    return Preprocessor.of(MODULES.get(i));
  }

  /**
   * The enabled units of {@code alwayson_scripts.controlnet} (empty when absent), checked.
   *
   * @param img2img whether the request has an init image (a unit without image uses it)
   */
  static List<Unit> parse(JsonNode alwaysOn, ControlNetFolder folder, boolean img2img) {
    JsonNode cn = script(alwaysOn);
    if (cn == null || cn.isNull()) return List.of();
    if (!cn.isObject())
      throw ApiException.invalid(
          "alwayson_scripts.controlnet must be an object {\"args\": [unit, ...]}, got "
              + Json.describe(cn));
    JsonNode args = cn.get("args");
    if (args == null || args.isNull()) return List.of();
    if (!args.isArray())
      throw ApiException.invalid(
          "alwayson_scripts.controlnet.args must be an array of units, got " + Json.describe(args));
    List<Unit> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String at = "alwayson_scripts.controlnet.args[" + i + "]";
      JsonNode u = args.get(i);
      if (!u.isObject())
        throw ApiException.invalid(
            at
                + " must be a unit object ({\"enabled\": true, \"image\": ...}), got "
                + Json.describe(u));
      if (bool(u, at, "enabled", false)) out.add(unit(i, at, u, folder, img2img));
    }
    boolean guess = !out.isEmpty() && out.get(0).guessMode();
    for (Unit u : out)
      if (u.guessMode() != guess)
        throw ApiException.invalid(
            "alwayson_scripts.controlnet: guessmode must be the same for every enabled unit");
    return out;
  }

  /** The controlnet script's entry: A1111 matches script names case-insensitively. */
  private static JsonNode script(JsonNode alwaysOn) {
    if (alwaysOn == null || !alwaysOn.isObject()) return null;
    JsonNode found = null;
    for (var it = alwaysOn.fields(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getKey().equalsIgnoreCase("controlnet")) continue;
      if (found != null)
        throw ApiException.invalid(
            "alwayson_scripts names the controlnet script twice (its name is case-insensitive)");
      found = e.getValue();
    }
    return found;
  }

  private static Unit unit(
      int index, String at, JsonNode u, ControlNetFolder folder, boolean img2img) {
    refuseUnsupported(at, u);
    String moduleName = text(u, at, "module", "none");
    Preprocessor p = module(at + ".module", moduleName);
    String model = text(u, at, "model", "None");
    ControlNetFolder.Entry entry = folder.resolve(at + ".model", model);
    ImageInput.Upload image = image(at, u, img2img);
    double weight = number(u, at, "weight", 1.0, 0, 2);
    double start = number(u, at, "guidance_start", 0.0, 0, 1);
    double end = number(u, at, "guidance_end", 1.0, 0, 1);
    if (u.has("guidance") && !u.has("guidance_end"))
      end = number(u, at, "guidance", 1.0, 0, 1); // the extension's legacy alias
    if (start >= end)
      throw ApiException.invalid(
          at + ": guidance_start (" + start + ") must be below guidance_end (" + end + ")");
    int resize = resizeMode(at, u.get("resize_mode"));
    ControlMode mode = controlMode(at, u.get("control_mode"));
    boolean pixelPerfect = bool(u, at, "pixel_perfect", false);
    boolean guess = bool(u, at, "guessmode", false) || bool(u, at, "guess_mode", false);
    if (guess && mode != ControlMode.BALANCED)
      throw ApiException.invalid(
          at
              + ": guessmode (diffusers' log-spaced scales) cannot be combined with control_mode \""
              + mode.label()
              + "\"; send one of them");
    int res = (int) number(u, at, "processor_res", -1, Integer.MIN_VALUE, Integer.MAX_VALUE);
    double a = number(u, at, "threshold_a", -1, -Double.MAX_VALUE, Double.MAX_VALUE);
    double b = number(u, at, "threshold_b", -1, -Double.MAX_VALUE, Double.MAX_VALUE);
    Thresholds t = thresholds(at, p, res, a, b);
    return new Unit(
        index,
        moduleName,
        p,
        model,
        entry,
        image,
        weight,
        start,
        end,
        ResizeMode.values()[resize],
        RESIZE_NAMES.get(resize),
        t.res,
        t.a,
        t.b,
        t.low,
        t.high,
        t.threshold,
        pixelPerfect,
        mode,
        guess);
  }

  /** The settings of {@code p} from a unit's processor_res/threshold_a/threshold_b, checked. */
  static Preprocessor.Settings settings(String at, Preprocessor p, JsonNode u) {
    int res = (int) number(u, at, "processor_res", -1, Integer.MIN_VALUE, Integer.MAX_VALUE);
    double a = number(u, at, "threshold_a", -1, -Double.MAX_VALUE, Double.MAX_VALUE);
    double b = number(u, at, "threshold_b", -1, -Double.MAX_VALUE, Double.MAX_VALUE);
    Thresholds t = thresholds(at, p, res, a, b);
    int r = p.usesResolution() ? Integer.parseInt(t.res) : 0;
    return new Preprocessor.Settings(t.low, t.high, false, t.threshold, r);
  }

  private record Thresholds(
      String res, String a, String b, double low, double high, int threshold) {}

  /**
   * The values the extension uses: -1 gives the preprocessor's default (it also resets any other
   * out-of-range value with a log line; here that is refused). none and invert have no thresholds
   * (their hidden sliders hold 0.5), invert no resolution either.
   */
  private static Thresholds thresholds(String at, Preprocessor p, int res, double a, double b) {
    String r =
        p == Preprocessor.INVERT
            ? "0.5"
            : Integer.toString((int) slider(at, "processor_res", res, 64, 2048, 512));
    return switch (p) {
      case CANNY -> {
        double low = slider(at, "threshold_a", a, 1, 255, 100);
        double high = slider(at, "threshold_b", b, 1, 255, 200);
        yield new Thresholds(r, shown(a, low), shown(b, high), low, high, 127);
      }
      case SCRIBBLE -> {
        double t = slider(at, "threshold_a", a, 0, 255, 127);
        if (t != Math.rint(t))
          throw ApiException.invalid(at + ".threshold_a: a whole number 0..255, got " + t);
        yield new Thresholds(r, shown(a, t), "0.5", 100, 200, (int) t);
      }
      default -> new Thresholds(r, "0.5", "0.5", 100, 200, 127);
    };
  }

  private static String shown(double given, double used) {
    return given == -1 ? py0(used) : py(used);
  }

  private static double slider(
      String at, String key, double v, double min, double max, double def) {
    if (v == -1) return def;
    if (v < min || v > max)
      throw ApiException.invalid(
          at
              + "."
              + key
              + " must be between "
              + py0(min)
              + " and "
              + py0(max)
              + " (or -1 for the default "
              + py0(def)
              + "), got "
              + v);
    return v;
  }

  private static void refuseUnsupported(String at, JsonNode u) {
    for (String key :
        List.of(
            "mask", "mask_image", "effective_region_mask", "advanced_weighting", "ipadapter_input"))
      if (u.has(key) && !u.get(key).isNull())
        throw ApiException.invalid(
            at + "." + key + " is not supported by this server; leave it out or null");
  }

  private static ImageInput.Upload image(String at, JsonNode u, boolean img2img) {
    JsonNode image = u.get("image");
    JsonNode alias = u.get("input_image");
    if (image != null && !image.isNull() && alias != null && !alias.isNull())
      throw ApiException.invalid(at + ": give image or input_image (its old name), not both");
    if (image != null && image.isTextual() && image.textValue().isEmpty()) image = null;
    if (alias != null && alias.isTextual() && alias.textValue().isEmpty()) alias = null;
    JsonNode v = image != null && !image.isNull() ? image : alias;
    String field = at + (v == alias ? ".input_image" : ".image");
    if (v == null || v.isNull()) {
      if (img2img) return null;
      throw ApiException.invalid(
          at + ": no image; send the control picture as image (base64, data URL allowed)");
    }
    if (v.isObject()) {
      JsonNode mask = v.get("mask");
      if (mask != null && !mask.isNull())
        throw ApiException.invalid(field + ".mask: masks are not supported by this server");
      v = v.get("image");
      field = field + ".image";
    }
    if (v == null || !v.isTextual())
      throw ApiException.invalid(
          field + " must be a base64 image (or {\"image\": base64}), got " + Json.describe(v));
    return ImageInput.decode(field, v.textValue());
  }

  private static int resizeMode(String at, JsonNode v) {
    if (v == null || v.isNull()) return 1; // the extension's default: Crop and Resize
    if (v.isIntegralNumber()) {
      int i = v.intValue();
      if (i == 3)
        return 0; // A1111's "Just Resize (Latent upscale)" -> Just Resize, as the extension
      if (i >= 0 && i <= 2) return i;
    } else if (v.isTextual()) {
      String name = RESIZE_ALIASES.getOrDefault(v.textValue(), v.textValue());
      int i = RESIZE_NAMES.indexOf(name);
      if (i >= 0) return i;
    }
    throw ApiException.invalid(
        at
            + ".resize_mode: accepted 0 \"Just Resize\", 1 \"Crop and Resize\", 2 \"Resize and"
            + " Fill\" (by number or name), got "
            + Json.describe(v));
  }

  /** The extension's control_mode: 0/1/2 or its label (default Balanced). */
  private static ControlMode controlMode(String at, JsonNode v) {
    if (v == null || v.isNull()) return ControlMode.BALANCED;
    int n = ControlMode.values().length;
    if (v.isIntegralNumber() && v.intValue() >= 0 && v.intValue() < n)
      return ControlMode.values()[v.intValue()];
    if (v.isTextual())
      for (ControlMode m : ControlMode.values()) if (m.label().equals(v.textValue())) return m;
    throw ApiException.invalid(
        at
            + ".control_mode: accepted 0 \"Balanced\", 1 \"My prompt is more important\", 2"
            + " \"ControlNet is more important\" (by number or name), got "
            + Json.describe(v));
  }

  private static boolean bool(JsonNode u, String at, String key, boolean def) {
    JsonNode v = u.get(key);
    if (v == null || v.isNull()) return def;
    if (!v.isBoolean())
      throw ApiException.invalid(
          at + "." + key + " must be true or false, got " + Json.describe(v));
    return v.booleanValue();
  }

  private static String text(JsonNode u, String at, String key, String def) {
    JsonNode v = u.get(key);
    if (v == null || v.isNull()) return def;
    if (!v.isTextual())
      throw ApiException.invalid(at + "." + key + " must be a string, got " + Json.describe(v));
    return v.textValue();
  }

  private static double number(
      JsonNode u, String at, String key, double def, double min, double max) {
    JsonNode v = u.get(key);
    if (v == null || v.isNull()) return def;
    if (!v.isNumber())
      throw ApiException.invalid(at + "." + key + " must be a number, got " + Json.describe(v));
    double d = v.doubleValue();
    if (!(d >= min && d <= max))
      throw ApiException.invalid(
          at + "." + key + " must be between " + py0(min) + " and " + py0(max) + ", got " + d);
    return d;
  }

  /** A float as Python's str() writes it: 1.0, 0.25. */
  static String py(double v) {
    return Double.toString(v);
  }

  /** A default as the extension holds it (an int literal: 100, a float one: 0.5). */
  private static String py0(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
