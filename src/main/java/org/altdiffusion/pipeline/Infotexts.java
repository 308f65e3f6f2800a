package org.altdiffusion.pipeline;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.altdiffusion.lora.LoraHashes;

/**
 * The infotext of each generated picture, in the order and form AUTOMATIC1111 writes it; built from
 * the request and what the generation resolved (sampler, seed, size), outside the sampling loop.
 *
 * @param request what was asked
 * @param sampler the sampler's display name ("Euler a")
 * @param scheduleType A1111's "Schedule type" when the user chose one, else null
 * @param hiresSampler the hires pass's own sampler's display name, or null when it has none
 * @param hiresScheduleType the hires pass's own sampler's schedule type, or null
 * @param firstSeed the seed of image 0
 * @param firstSubseed the variation seed of image 0, null without a variation
 * @param size the size generated
 * @param model the model's name
 * @param modelHash A1111's "Model hash" of a single-file model, null for a folder
 * @param dtype the models' type when not float32 (a key of ours, "Dtype", which A1111 readers
 *     ignore: the same seed gives another picture in bfloat16), else null
 */
record Infotexts(
    GenerationRequest request,
    String sampler,
    String scheduleType,
    String hiresSampler,
    String hiresScheduleType,
    long firstSeed,
    Long firstSubseed,
    GenerationRequest.Size size,
    String model,
    String modelHash,
    String dtype) {

  /** The infotext of image {@code index}, showing {@code prompt}. */
  Infotext forImage(int index, String prompt) {
    GenerationRequest r = request;
    Map<String, String> s = new LinkedHashMap<>();
    s.put("Steps", Integer.toString(r.sampling().steps()));
    s.put("Sampler", sampler);
    if (scheduleType != null) s.put("Schedule type", scheduleType);
    s.put("CFG scale", number(r.guidance().scale()));
    s.put("Seed", Long.toString(Seeds.ofImage(firstSeed, index)));
    s.put("Size", size.width() + "x" + size.height());
    if (modelHash != null) s.put("Model hash", modelHash);
    s.put("Model", model);
    // A1111 writes "Clip skip" after the model when it is above 1
    if (r.promptOptions().clipSkip() > 1)
      s.put("Clip skip", Integer.toString(r.promptOptions().clipSkip()));
    if (firstSubseed != null) {
      s.put("Variation seed", Long.toString(Seeds.ofImage(firstSubseed, index)));
      s.put("Variation seed strength", number(r.variation().strength()));
    }
    if (r.initImage() != null) s.put("Denoising strength", number(r.initImage().strength()));
    if (r.hires() != null) hires(s, prompt);
    if (r.mask() != null) {
      if (r.mask().blurX() == r.mask().blurY())
        s.put("Mask blur", Integer.toString(r.mask().blurX()));
      else {
        s.put("Mask blur X", Integer.toString(r.mask().blurX()));
        s.put("Mask blur Y", Integer.toString(r.mask().blurY()));
      }
      if (r.mask().invert()) s.put("Mask mode", "Inpaint not masked");
      if (r.mask().fill() != InpaintMask.Fill.ORIGINAL)
        s.put("Masked content", r.mask().fill().a1111Name());
      if (r.mask().cropPadding() != null) {
        s.put("Inpaint area", "Only masked");
        s.put("Masked area padding", Integer.toString(r.mask().cropPadding()));
      }
    }
    if (r.tiling()) s.put("Tiling", "True");
    if (r.guidance().rescale() > 0) s.put("CFG Rescale", number(r.guidance().rescale()));
    if (r.sampling().eta() > 0) s.put("Eta", number(r.sampling().eta()));
    if (r.batchSize() > 1) {
      s.put("Batch size", Integer.toString(r.batchSize()));
      s.put("Batch pos", Integer.toString(index));
    }
    if (!r.loras().isEmpty()) s.put("Lora hashes", LoraHashes.infotextValue(r.loras()));
    if (dtype != null) s.put("Dtype", dtype);
    s.put("Version", "altdiffusion-jvm");
    return new Infotext(prompt, r.negativePrompt(), s);
  }

  /**
   * A1111's hires fields, in the order its txt2img init sets them: Size stays the first pass's; the
   * second pass's prompts, sampler and schedule only where they differ from the first's.
   */
  private void hires(Map<String, String> s, String prompt) {
    HiresFix h = request.hires();
    s.put("Denoising strength", number(h.denoisingStrength()));
    if (hiresSampler != null && !hiresSampler.equals(sampler)) s.put("Hires sampler", hiresSampler);
    String hiresPrompt = h.promptOr(prompt);
    if (!hiresPrompt.equals(prompt)) s.put("Hires prompt", hiresPrompt);
    String hiresNegative = h.negativePromptOr(request.negativePrompt());
    if (!hiresNegative.equals(request.negativePrompt()))
      s.put("Hires negative prompt", hiresNegative);
    if (hiresScheduleType != null && !hiresScheduleType.equals(scheduleType))
      s.put("Hires schedule type", hiresScheduleType);
    if (h.resized()) s.put("Hires resize", h.resizeX() + "x" + h.resizeY());
    else s.put("Hires upscale", number(h.scale()));
    if (h.secondPassSteps() > 0) s.put("Hires steps", Integer.toString(h.secondPassSteps()));
    s.put("Hires upscaler", HiresUpscale.canonical(h.upscaler()));
  }

  /** A1111 writes 7 for 7.0 and 7.5 for 7.5. */
  static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%s", v);
  }
}
