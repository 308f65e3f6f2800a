package org.altdiffusion.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.pipeline.HiresFix;
import org.altdiffusion.pipeline.HiresUpscale;

/**
 * txt2img's hires fix fields (A1111's enable_hr, hr_scale, hr_upscaler, hr_second_pass_steps,
 * denoising_strength, hr_resize_x/y, hr_prompt, hr_negative_prompt, hr_sampler_name, hr_scheduler)
 * as the pipeline's {@link HiresFix}, and their rules across fields.
 */
final class HiresFields {
  private HiresFields() {}

  /** Largest hr_scale accepted. */
  static final double MAX_SCALE = 8;

  /** The names hr_upscaler accepts (and null, its default). */
  static List<Object> upscalers() {
    List<Object> names = new ArrayList<>();
    names.add(null);
    names.addAll(HiresUpscale.NAMES);
    return names;
  }

  /** The names of the hires fix's fields (txt2img's only). */
  static final List<String> NAMES =
      List.of(
          "enable_hr",
          "hr_scale",
          "hr_upscaler",
          "hr_second_pass_steps",
          "hr_resize_x",
          "hr_resize_y",
          "hr_sampler_name",
          "hr_scheduler",
          "hr_prompt",
          "hr_negative_prompt");

  /** What A1111's web page sends for "the first pass's" in hr_sampler_name and hr_scheduler. */
  private static final List<String> USE_SAME = List.of("Use same sampler", "Use same scheduler");

  /**
   * The hires fix the echoed request asks for, null without enable_hr. Its rules across fields (the
   * target size, a strength that leaves a step) are checked with the request's size settled ({@link
   * #hiresProblems}).
   */
  static HiresFix of(ObjectNode echo, ServerConfig config, List<String> samplers) {
    if (!echo.path("enable_hr").asBoolean(false)) return null;
    List<String> styles = Txt2ImgRequest.styleNames(echo.get("styles"));
    // A1111: an empty hr_prompt is the prompt; styles apply to the second pass's prompts too
    String prompt = Txt2ImgRequest.text(echo, "hr_prompt");
    String negative = Txt2ImgRequest.text(echo, "hr_negative_prompt");
    return new HiresFix(
            echo.get("hr_scale").doubleValue(),
            echo.get("hr_upscaler").textValue(),
            echo.get("hr_second_pass_steps").intValue(),
            echo.get("denoising_strength").doubleValue())
        .withResize(echo.get("hr_resize_x").intValue(), echo.get("hr_resize_y").intValue())
        .withPrompts(
            prompt == null || prompt.isEmpty() ? "" : config.styles().applyToPrompt(prompt, styles),
            negative == null || negative.isEmpty()
                ? ""
                : config.styles().applyToNegativePrompt(negative, styles))
        .withSampler(Samplers.resolve(sampler(echo), samplers), schedule(echo));
  }

  /** The second pass's own sampler as asked (hr_sampler_name), or null for the first pass's. */
  static String sampler(ObjectNode echo) {
    String s = Txt2ImgRequest.text(echo, "hr_sampler_name");
    return Txt2ImgRequest.blank(s) || USE_SAME.contains(s.strip()) ? null : s.strip();
  }

  /**
   * The second pass's own schedule type (hr_scheduler: "Automatic" or "Karras"), or null for the
   * first pass's.
   *
   * @throws ApiException 422 for an unknown schedule type
   */
  static String schedule(ObjectNode echo) {
    String s = Txt2ImgRequest.text(echo, "hr_scheduler");
    if (Txt2ImgRequest.blank(s) || USE_SAME.contains(s.strip())) return null;
    String type = Samplers.schedule(s);
    return type == null ? org.altdiffusion.schedulers.Samplers.AUTOMATIC : type;
  }

  /**
   * The hires fix's problems for a first pass of {@code width x height} and {@code steps}: each
   * side x hr_scale (truncated) a multiple of 8 and at most the server's largest side, and
   * int(second-pass steps x denoising_strength) >= 1.
   */
  static List<String> problems(HiresFix h, int width, int height, int steps, ServerConfig c) {
    List<String> p = new ArrayList<>();
    if (h == null) return p;
    var firstPass = new GenerationRequest.Size(width, height);
    if (h.resized()) {
      var up = h.upscaleTo(firstPass);
      if (Math.max(up.width(), up.height()) > c.maxSide())
        p.add(
            "enable_hr: hr_resize_x/hr_resize_y "
                + h.resizeX()
                + "x"
                + h.resizeY()
                + " upscale the "
                + width
                + "x"
                + height
                + " first pass to "
                + up.width()
                + "x"
                + up.height()
                + " (its aspect ratio kept, as A1111); this server accepts at most "
                + c.maxSide()
                + " a side");
      return stepProblems(h, steps, p);
    }
    var t = h.upscaleTo(firstPass);
    for (int i = 0; i < 2; i++) {
      String side = i == 0 ? "width" : "height";
      int first = i == 0 ? width : height;
      int v = i == 0 ? t.width() : t.height();
      if (v > c.maxSide())
        p.add(
            "enable_hr: "
                + side
                + " "
                + first
                + " x hr_scale "
                + h.scale()
                + " = "
                + v
                + " pixels; this server accepts at most "
                + c.maxSide());
      else if (v % 8 != 0)
        p.add(
            "enable_hr: "
                + side
                + " "
                + first
                + " x hr_scale "
                + h.scale()
                + " = "
                + v
                + " pixels, not a multiple of 8; choose an hr_scale that gives one");
    }
    return stepProblems(h, steps, p);
  }

  private static List<String> stepProblems(HiresFix h, int steps, List<String> p) {
    int second = h.steps(steps);
    if ((int) (second * h.denoisingStrength()) < 1)
      p.add(
          "enable_hr: denoising_strength "
              + h.denoisingStrength()
              + " leaves no step of the second pass's "
              + second
              + " (int(steps x denoising_strength) must be >= 1); raise denoising_strength or"
              + " hr_second_pass_steps");
    return p;
  }
}
