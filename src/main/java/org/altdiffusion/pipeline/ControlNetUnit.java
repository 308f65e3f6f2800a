package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.image.ResizeMode;
import org.altdiffusion.models.controlnet.ControlNetModel;

/**
 * One ControlNet of a generation with its control image, as one entry of diffusers'
 * StableDiffusionControlNetPipeline lists ({@code controlnet}, {@code image}, {@code
 * controlnet_conditioning_scale}, {@code control_guidance_start/end}).
 *
 * @param name what the ControlNet is called (its folder or file), for messages and the infotext
 * @param model the loaded ControlNet
 * @param image the control image (already preprocessed: edges, scribble...), 8-bit RGB; fitted to
 *     the request's size by {@code resize} when its size differs
 * @param scale the conditioning scale its residuals are multiplied by, 0..{@link #MAX_SCALE}
 *     (diffusers' default 1)
 * @param start the fraction of the steps after which it starts acting, 0..1 (default 0)
 * @param end the fraction of the steps after which it stops, start..1 (default 1)
 * @param resize how a control image of another size is fitted (default {@link
 *     ResizeMode#JUST_RESIZE}: PIL's Lanczos, as diffusers' control image processor)
 * @param mode sd-webui-controlnet's control mode (default {@link ControlMode#BALANCED}: diffusers'
 *     scaling); the others cannot be combined with guess mode
 */
public record ControlNetUnit(
    String name,
    ControlNetModel model,
    BufferedImage image,
    double scale,
    double start,
    double end,
    ResizeMode resize,
    ControlMode mode) {

  /** Largest conditioning scale accepted (A1111's ControlNet weight slider goes to 2). */
  public static final double MAX_SCALE = 2.0;

  public ControlNetUnit {
    if (resize == null) resize = ResizeMode.JUST_RESIZE;
    if (mode == null) mode = ControlMode.BALANCED;
  }

  /** A Balanced unit (diffusers' semantics). */
  public ControlNetUnit(
      String name,
      ControlNetModel model,
      BufferedImage image,
      double scale,
      double start,
      double end,
      ResizeMode resize) {
    this(name, model, image, scale, start, end, resize, ControlMode.BALANCED);
  }

  /** A unit with diffusers' defaults: scale 1, the whole schedule, just resize. */
  public static ControlNetUnit of(String name, ControlNetModel model, BufferedImage image) {
    return new ControlNetUnit(name, model, image, 1.0, 0.0, 1.0, ResizeMode.JUST_RESIZE);
  }

  /** This unit with another scale. */
  public ControlNetUnit withScale(double v) {
    return new ControlNetUnit(name, model, image, v, start, end, resize, mode);
  }

  /** This unit acting only between the fractions {@code s} and {@code e} of the steps. */
  public ControlNetUnit withGuidance(double s, double e) {
    return new ControlNetUnit(name, model, image, scale, s, e, resize, mode);
  }

  /** This unit in another control mode. */
  public ControlNetUnit withMode(ControlMode m) {
    return new ControlNetUnit(name, model, image, scale, start, end, resize, m);
  }

  /** Whether it acts at step {@code i} of {@code n} (diffusers' controlnet_keep). */
  boolean keeps(int i, int n) {
    return !((double) i / n < start || (double) (i + 1) / n > end);
  }

  /** This unit's problems, each saying what is accepted. */
  List<String> problems() {
    List<String> p = new ArrayList<>();
    String who = "ControlNet " + name + ": ";
    if (model == null) p.add(who + "no model");
    if (image == null) p.add(who + "no control image");
    if (!(scale >= 0 && scale <= MAX_SCALE))
      p.add(who + "scale must be between 0 and " + MAX_SCALE + ", got " + scale);
    if (!(start >= 0 && start <= 1)) p.add(who + "start must be between 0 and 1, got " + start);
    if (!(end >= 0 && end <= 1)) p.add(who + "end must be between 0 and 1, got " + end);
    if (start >= end) p.add(who + "start (" + start + ") must be below end (" + end + ")");
    if (mode != ControlMode.BALANCED && model != null && model.outputCount() > 13)
      p.add(
          who
              + "control mode \""
              + mode.label()
              + "\" scales at most 13 outputs (an SD net's), this net has "
              + model.outputCount());
    return p;
  }
}
