package org.altdiffusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.ResizeMode;
import org.altdiffusion.pipeline.InpaintMask;

/**
 * An img2img request in AUTOMATIC1111's form ({@code StableDiffusionProcessingImg2Img} as its API
 * takes it): txt2img's fields (hires fix aside) plus the init image and how to use it. The init
 * image is checked by its header here (format, size: nothing is decoded on an HTTP thread); the
 * worker decodes and fits it when the job runs.
 *
 * <p>A non-blank {@code mask} makes it inpainting ({@link Inpaint}); without one the inpainting
 * fields are accepted and unused, as A1111 does. {@code latent_mask} is refused with a 422.
 */
final class Img2ImgRequest {
  private Img2ImgRequest() {}

  /** A1111's resize modes that this server implements (its 3, latent upscale, is not). */
  static final String RESIZE_MODES = "0 (just resize), 1 (crop and resize), 2 (resize and fill)";

  /**
   * img2img's part of a request.
   *
   * @param image the first init image, header-checked, not decoded yet
   * @param denoisingStrength how much to change it, 0..1: int(steps x strength) steps run
   * @param resizeMode how it is fitted to the request's width x height
   * @param ignoredImages init images after the first, which are not used
   */
  record Init(
      ImageInput.Upload image,
      double denoisingStrength,
      ResizeMode resizeMode,
      int ignoredImages,
      Inpaint inpaint) {}

  /**
   * img2img's inpainting part, A1111's fields mapped onto {@link InpaintMask}.
   *
   * @param mask the mask upload, header-checked, not decoded yet (white or opaque = repaint)
   * @param blurX mask_blur_x (or mask_blur), 0..{@link InpaintMask#MAX_BLUR}
   * @param blurY mask_blur_y (or mask_blur)
   * @param invert inpainting_mask_invert
   * @param fill inpainting_fill 0..3
   * @param cropPadding inpaint_full_res_padding when inpaint_full_res (A1111's "only masked", the
   *     result at the init image's size), else null (whole picture, with A1111's overlay of the
   *     original outside the mask)
   */
  record Inpaint(
      ImageInput.Upload mask,
      int blurX,
      int blurY,
      boolean invert,
      InpaintMask.Fill fill,
      Integer cropPadding) {}

  /** inpainting_fill's values, A1111's order. */
  static final InpaintMask.Fill[] FILLS = {
    InpaintMask.Fill.FILL,
    InpaintMask.Fill.ORIGINAL,
    InpaintMask.Fill.LATENT_NOISE,
    InpaintMask.Fill.LATENT_NOTHING
  };

  /** The fields read, in A1111's order; limits from {@code config}. Also the OpenAPI schema. */
  static List<Field> fields(ServerConfig c) {
    List<Field> out = new ArrayList<>();
    String sizeRule =
        " in pixels, a multiple of 8; absent or 0 = from the init image: with both absent, its size"
            + " rounded down to a multiple of 8 (scaled down first when a side exceeds "
            + c.maxSide()
            + "); with one given, the other keeps the init image's aspect ratio.";
    for (Field f : Txt2ImgRequest.fields(c)) {
      if (HiresFields.NAMES.contains(f.name())) continue; // hires fix is txt2img's
      switch (f.name()) {
        case "denoising_strength" -> {} // comes below with img2img's meaning
        case "width" ->
            out.add(
                Field.integer("width", 0L, 0, c.maxSide(), "Image width" + sizeRule)
                    .with("multipleOf", 8));
        case "height" ->
            out.add(
                Field.integer("height", 0L, 0, c.maxSide(), "Image height" + sizeRule)
                    .with("multipleOf", 8));
        default -> out.add(f);
      }
    }
    out.add(
        Field.array(
                "init_images",
                "Required: the starting picture, [base64 PNG/JPEG/BMP/GIF] (data: URLs accepted; at"
                    + " most "
                    + ImageLimits.UPLOADS.maxSide()
                    + " pixels on a side). Only the first is used, for every image of the batch; "
                    + "others are ignored with a warning. Transparent parts are put on white.")
            .with("nullable", false)
            .with("items", Map.of("type", "string"))
            .with("minItems", 1));
    out.add(
        Field.integer(
                "resize_mode",
                0L,
                0,
                3,
                "How the init image is fitted to width x height: "
                    + RESIZE_MODES
                    + ". 3 (latent upscale) is not supported.")
            // 3 passes the bounds and is refused as unsupported, with that reason
            .with("maximum", ResizeMode.values().length - 1));
    out.add(
        Field.number(
            "denoising_strength",
            0.75,
            0,
            1,
            "How much to change the init image: int(steps x denoising_strength) of the steps run "
                + "(0 keeps it, 1 ignores it); must leave at least one step."));
    out.add(
        Field.number(
            "image_cfg_scale",
            null,
            0,
            100,
            "Image guidance of instruct-pix2pix models: accepted, unused (as A1111 with other"
                + " models)."));
    int maxBlur = InpaintMask.MAX_BLUR;
    out.add(
        Field.string(
            "mask",
            null,
            null,
            "Inpainting mask, base64 PNG/JPEG/BMP/GIF (data: URLs accepted): white repaints, black"
                + " keeps; a mask with transparency is read by its alpha (alpha > 128 repaints)."
                + " Another size than the init image's is resized to it with a warning; a mask"
                + " that repaints nothing returns the init image with a warning. Blank (spaces,"
                + " tabs, line breaks) or null = no mask: plain img2img, the inpainting fields"
                + " below unused. Not an image: 422."));
    out.add(
        Field.integer(
            "mask_blur_x",
            4L,
            0,
            maxBlur,
            "Mask blur across (along the rows), pixels, as A1111 1.6+; used when mask_blur is"
                + " absent or null."));
    out.add(
        Field.integer(
            "mask_blur_y",
            4L,
            0,
            maxBlur,
            "Mask blur down (along the columns), pixels; see mask_blur_x."));
    out.add(
        Field.integer(
            "mask_blur",
            4L,
            0,
            maxBlur,
            "Mask blur in pixels (A1111's Gaussian blur of the mask); when given it sets both axes"
                + " and mask_blur_x / mask_blur_y are ignored."));
    out.add(
        Field.integer(
            "inpainting_fill",
            0L,
            0,
            3,
            "Masked content, as A1111: 0 fill (the masked pixels filled with the picture's"
                + " blurred colours, A1111's masking.fill), 1 original, 2 latent noise, 3 latent"
                + " nothing (2 and 3 need a denoising_strength below 1; 0, 2 and 3 fill the pixels"
                + " first, as A1111)."));
    out.add(
        Field.bool(
            "inpaint_full_res",
            true,
            "Only masked: inpaint the region around the mask (grown by inpaint_full_res_padding"
                + " and to width:height) at width x height and paste it back into the init image,"
                + " as A1111: the result has the init image's size, resize_mode is not used."
                + " false = the whole picture, with A1111's overlay of the original outside the"
                + " (blurred) mask."));
    out.add(
        Field.integer(
            "inpaint_full_res_padding",
            0L,
            0,
            8192,
            "Only masked: pixels added around the mask's bounding box."));
    out.add(
        Field.integer(
            "inpainting_mask_invert",
            0L,
            0,
            1,
            "1 = repaint the black (or transparent) part instead (Inpaint not masked)."));
    out.add(
        Field.number(
                "initial_noise_multiplier",
                null,
                0,
                10,
                "Scale of the initial noise: only null or 1 is supported.")
            .with("minimum", 1)
            .with("maximum", 1));
    out.add(
        Field.string(
                "latent_mask",
                null,
                null,
                "A1111's separate mask for the latents: not supported (send mask); must be null,"
                    + " empty or blank.")
            .with("pattern", Txt2ImgRequest.BLANK_PATTERN));
    out.add(
        Field.bool(
            "include_init_images",
            false,
            "Echo init_images (and mask) in the response's parameters; they are null there"
                + " otherwise."));
    return out;
  }

  /**
   * What the parser checks across fields, as OpenAPI schemas: txt2img's, and that int(steps x
   * denoising_strength) leaves at least one step. The strength rule has one branch per steps value
   * (the least strength that runs a step, exactly as this JVM computes the product), and two for an
   * absent or null steps / strength, which mean their defaults.
   */
  static List<Map<String, Object>> crossFieldSchemas(ServerConfig c) {
    List<Map<String, Object>> out = new ArrayList<>(Txt2ImgRequest.crossFieldSchemas(c));
    List<Field> fields = fields(c);
    int defaultSteps = 0;
    double defaultStrength = 0;
    for (Field f : fields) {
      if (f.name().equals("steps")) defaultSteps = ((Number) f.defaultValue()).intValue();
      if (f.name().equals("denoising_strength"))
        defaultStrength = ((Number) f.defaultValue()).doubleValue();
    }
    int leastStepsAtDefault = 1;
    while ((int) (leastStepsAtDefault * defaultStrength) < 1) leastStepsAtDefault++;
    List<Object> branches = new ArrayList<>();
    Map<String, Object> nullNumber = new LinkedHashMap<>();
    nullNumber.put("type", "number");
    nullNumber.put("nullable", true);
    nullNumber.put("enum", java.util.Arrays.asList((Object) null));
    Map<String, Object> nullInteger = new LinkedHashMap<>(nullNumber);
    nullInteger.put("type", "integer");
    // strength absent or null (its default): steps absent, null, or enough for the default strength
    branches.add(
        OpenApi.map(
            "properties",
            OpenApi.map(
                "denoising_strength",
                nullNumber,
                "steps",
                OpenApi.map("minimum", leastStepsAtDefault))));
    // steps absent or null (its default), strength given
    branches.add(
        OpenApi.map(
            "required",
            List.of("denoising_strength"),
            "properties",
            OpenApi.map(
                "steps",
                nullInteger,
                "denoising_strength",
                OpenApi.map("type", "number", "minimum", leastStrength(defaultSteps)))));
    for (int steps = 1; steps <= c.maxSteps(); steps++) {
      branches.add(
          OpenApi.map(
              "required",
              List.of("steps", "denoising_strength"),
              "properties",
              OpenApi.map(
                  "steps",
                  OpenApi.map("type", "integer", "minimum", steps, "maximum", steps),
                  "denoising_strength",
                  OpenApi.map("type", "number", "minimum", leastStrength(steps)))));
    }
    Map<String, Object> strength = new LinkedHashMap<>();
    strength.put(
        "description",
        "int(steps x denoising_strength) >= 1 (defaults: steps "
            + defaultSteps
            + ", denoising_strength "
            + defaultStrength
            + "): one branch per steps value");
    strength.put("anyOf", branches);
    out.add(strength);
    out.addAll(maskSchemas());
    return out;
  }

  /** With a mask: inpainting_fill 2 or 3 (latent noise, latent nothing) needs a strength < 1. */
  private static List<Map<String, Object>> maskSchemas() {
    Map<String, Object> blankMask =
        OpenApi.map(
            "properties",
            OpenApi.map(
                "mask",
                OpenApi.map(
                    "type", "string", "nullable", true, "pattern", Txt2ImgRequest.BLANK_PATTERN)));
    Map<String, Object> latentFill = new LinkedHashMap<>();
    latentFill.put(
        "description", "with a mask, inpainting_fill 2 or 3 needs a denoising_strength below 1");
    latentFill.put(
        "anyOf",
        List.of(
            blankMask,
            OpenApi.map(
                "properties",
                OpenApi.map(
                    "inpainting_fill",
                    OpenApi.map("type", "integer", "nullable", true, "maximum", 1))),
            OpenApi.map(
                "properties",
                OpenApi.map(
                    "denoising_strength",
                    OpenApi.map(
                        "type", "number", "nullable", true, "maximum", Math.nextDown(1.0))))));
    return List.of(latentFill);
  }

  /** The least strength (a double) with which {@code steps} steps run at least one. */
  static double leastStrength(int steps) {
    double x = 1.0 / steps;
    while ((int) (steps * x) < 1) x = Math.nextUp(x);
    while ((int) (steps * Math.nextDown(x)) >= 1) x = Math.nextDown(x);
    return x;
  }

  /**
   * Parses and validates {@code body}; any problem is an {@link ApiException} (4xx) naming the
   * field.
   */
  static Txt2ImgRequest parse(ObjectNode body, ServerConfig config) {
    JsonNode blur = body.get("mask_blur");
    boolean blurGiven = blur != null && !blur.isNull();
    return Txt2ImgRequest.parse(
        body, config, fields(config), (echo, r) -> complete(echo, r, config, blurGiven));
  }

  private static Txt2ImgRequest complete(
      ObjectNode echo, Txt2ImgRequest r, ServerConfig config, boolean blurGiven) {
    refuseUnsupported(echo);
    Inpaint inpaint = inpaint(echo, blurGiven);
    int mode = echo.get("resize_mode").intValue();
    if (mode >= ResizeMode.values().length) {
      throw ApiException.invalid(
          "resize_mode "
              + mode
              + " (just resize, latent upscale) is not supported; accepted: "
              + RESIZE_MODES);
    }
    double strength = echo.get("denoising_strength").doubleValue();
    if ((int) (r.steps() * strength) < 1) {
      throw ApiException.invalid(
          "denoising_strength "
              + strength
              + " with "
              + r.steps()
              + " steps leaves no step to run (img2img runs "
              + "int(steps x denoising_strength) of them); use a denoising_strength of at least "
              + Math.ceil(1e4 / r.steps()) / 1e4
              + " or more steps");
    }
    if (inpaint != null && inpaint.fill().latent() && strength >= 1)
      throw ApiException.invalid(
          "inpainting_fill "
              + echo.get("inpainting_fill").intValue()
              + " ("
              + inpaint.fill().a1111Name()
              + ") needs a denoising_strength below 1 (at 1 the latents start from pure noise);"
              + " use inpainting_fill 0 or 1, or a lower denoising_strength");
    JsonNode images = echo.get("init_images");
    if (images.isEmpty())
      throw ApiException.invalid(
          "init_images is required: a list holding one base64-encoded image (PNG, JPEG, BMP or"
              + " GIF)");
    for (int i = 0; i < images.size(); i++) {
      if (!images.get(i).isTextual())
        throw ApiException.invalid(
            "init_images[" + i + "] must be a base64 string, got " + Json.describe(images.get(i)));
    }
    ImageInput.Upload upload = ImageInput.decode("init_images[0]", images.get(0).textValue());
    if (inpaint != null) inpaint = withMask(inpaint, echo);
    int[] size = size(upload.width(), upload.height(), r.width(), r.height(), config.maxSide());
    // A1111 leaves the (large) images out of the echo unless asked for them.
    if (!echo.get("include_init_images").booleanValue()) {
      echo.putNull("init_images");
      echo.putNull("mask");
    }
    echo.remove("include_init_images");
    return r.withImg2Img(
        new Init(upload, strength, ResizeMode.values()[mode], images.size() - 1, inpaint),
        size[0],
        size[1]);
  }

  /** The inpainting options when a non-blank mask is given (its image checked later), else null. */
  private static Inpaint inpaint(ObjectNode echo, boolean blurGiven) {
    if (Txt2ImgRequest.blank(Txt2ImgRequest.text(echo, "mask"))) return null;
    // A1111 1.6+: mask_blur, when given, sets both axes
    int blurX = echo.get(blurGiven ? "mask_blur" : "mask_blur_x").intValue();
    int blurY = echo.get(blurGiven ? "mask_blur" : "mask_blur_y").intValue();
    int fill = echo.get("inpainting_fill").intValue();
    Integer cropPadding =
        echo.get("inpaint_full_res").booleanValue()
            ? Integer.valueOf(echo.get("inpaint_full_res_padding").intValue())
            : null;
    return new Inpaint(
        null,
        blurX,
        blurY,
        echo.get("inpainting_mask_invert").intValue() == 1,
        FILLS[fill],
        cropPadding);
  }

  private static Inpaint withMask(Inpaint p, ObjectNode echo) {
    ImageInput.Upload mask = ImageInput.decode("mask", Txt2ImgRequest.text(echo, "mask"));
    return new Inpaint(mask, p.blurX(), p.blurY(), p.invert(), p.fill(), p.cropPadding());
  }

  private static void refuseUnsupported(ObjectNode echo) {
    String latentMask = Txt2ImgRequest.text(echo, "latent_mask");
    if (!Txt2ImgRequest.blank(latentMask)) {
      throw ApiException.invalid(
          "latent_mask is not supported: send the inpainting mask as mask; leave latent_mask out"
              + " (or null)");
    }
    JsonNode noise = echo.get("initial_noise_multiplier");
    if (!noise.isNull() && noise.doubleValue() != 1.0) {
      throw ApiException.invalid(
          "initial_noise_multiplier "
              + noise.doubleValue()
              + " is not supported; leave it out, null or 1");
    }
  }

  /**
   * The image size: what was asked, with absent sides taken from the init image (see the width
   * field).
   */
  static int[] size(int imageWidth, int imageHeight, int width, int height, int maxSide) {
    int largest = maxSide / 8 * 8;
    if (width == 0 && height == 0) {
      double scale = Math.min(1.0, (double) maxSide / Math.max(imageWidth, imageHeight));
      return new int[] {floor8(imageWidth * scale), floor8(imageHeight * scale)};
    }
    if (width == 0) width = Math.min(largest, round8((double) height * imageWidth / imageHeight));
    if (height == 0) height = Math.min(largest, round8((double) width * imageHeight / imageWidth));
    return new int[] {width, height};
  }

  private static int floor8(double v) {
    return Math.max(
        8, (int) Math.floor(v / 8 + 1e-9) * 8); // the epsilon: 2048.0 computed as 2047.9999...
  }

  private static int round8(double v) {
    return (int) Math.max(8, Math.round(v / 8) * 8);
  }
}
