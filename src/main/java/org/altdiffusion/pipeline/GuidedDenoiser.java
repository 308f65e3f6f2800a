package org.altdiffusion.pipeline;

import java.util.List;
import org.altdiffusion.engine.ParallelPair;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.engine.ThreadSettings.ParallelGuidance;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The UNet under classifier-free guidance, as diffusers' pipelines run it: {@code eps_u + g (eps_c
 * - eps_u)}, optionally rescaled (guidance_rescale), with the mode's extra input channels and
 * residuals given to every pass. Without guidance the UNet runs once on the prompt alone.
 */
final class GuidedDenoiser implements Denoiser {
  private final UNet2DConditionModel unet;
  private final Tensor context;
  private final GenerationRequest.Guidance guidance;
  private final ParallelGuidance parallel;
  private final UNetInputs inputs;

  /**
   * @param context [negative x B, prompt x B, T, D] when guidance is on, [B, T, D] otherwise
   * @param parallel whether the two passes of a guided step may run side by side
   */
  GuidedDenoiser(
      UNet2DConditionModel unet,
      Tensor context,
      GenerationRequest.Guidance guidance,
      ParallelGuidance parallel,
      UNetInputs inputs) {
    this.unet = unet;
    this.context = context;
    this.guidance = guidance;
    this.parallel = parallel;
    this.inputs = inputs;
  }

  @Override
  public Tensor predict(Tensor modelInput, int stepIndex, double t) {
    if (!guidance.enabled())
      return unetPass(modelInput, stepIndex, t, context, UNetInputs.Rows.PROMPT);
    Tensor[] halves = uncondAndCond(modelInput, stepIndex, t);
    return guide(halves[0], halves[1], guidance.scale(), guidance.rescale());
  }

  /**
   * The unconditional and conditional predictions for {@code input} ([B, C, h, w]): side by side on
   * two workers when {@link #parallel} says so for passes of this size, otherwise as one batch of
   * 2B as diffusers runs it. Both give the same numbers up to float rounding (each image's rows are
   * independent).
   */
  private Tensor[] uncondAndCond(Tensor input, int stepIndex, double t) {
    long batch = input.size(0);
    long firstLevelValues =
        batch * unet.config.blockOutChannels().get(0) * input.size(2) * input.size(3);
    // on a GPU the two passes always run as one batch: the CPU threads are not what they share
    if (!input.is_cuda() && parallel.sideBySide(firstLevelValues, Torch.current().torchThreads())) {
      Tensor negative = context.narrow(0, 0, batch); // [B, T, D]
      Tensor positive = context.narrow(0, batch, batch); // [B, T, D]
      return ParallelPair.run(
          () -> unetPass(input, stepIndex, t, negative, UNetInputs.Rows.NEGATIVE),
          () -> unetPass(input, stepIndex, t, positive, UNetInputs.Rows.PROMPT));
    }
    Tensor both = torch.cat(new TensorVector(input, input), 0); // [2B, C, h, w]
    var halves =
        unetPass(both, stepIndex, t, context, UNetInputs.Rows.BOTH).chunk(2, 0); // 2 x [B, C, h, w]
    return new Tensor[] {halves.get(0), halves.get(1)};
  }

  /**
   * One UNet call on {@code latents} ([N, C, h, w]) with the mode's channels and residuals: inputs
   * cast to the UNet's precision, the prediction returned in float32 (the sampler's precision).
   */
  private Tensor unetPass(
      Tensor latents, int stepIndex, double t, Tensor rows, UNetInputs.Rows which) {
    torch.ScalarType dtype = unet.dtype();
    Tensor input = Precision.cast(withExtraChannels(latents), dtype);
    Tensor context = Precision.cast(rows, dtype);
    UNetInputs.Residuals residuals = inputs.residuals(latents, stepIndex, t, rows, which);
    if (residuals == null) return Precision.toFloat32(unet.forward(input, t, context));
    List<Tensor> down = residuals.down().stream().map(r -> Precision.cast(r, dtype)).toList();
    Tensor mid = Precision.cast(residuals.mid(), dtype);
    return Precision.toFloat32(unet.forward(input, t, context, down, mid));
  }

  /** [N, C + k, h, w]: the extra channels (given per image, [B, k, h, w]) repeated per pass. */
  private Tensor withExtraChannels(Tensor latents) {
    Tensor extra = inputs.extraChannels();
    if (extra == null) return latents;
    long repeats = latents.size(0) / extra.size(0);
    Tensor perRow = repeats == 1 ? extra : extra.repeat(repeats, 1, 1, 1); // [N, k, h, w]
    return torch.cat(new TensorVector(latents, perRow), 1); // [N, C + k, h, w]
  }

  /**
   * eps_u + g (eps_c - eps_u), then optionally rescaled towards the conditional std
   * (guidance_rescale).
   */
  static Tensor guide(Tensor uncond, Tensor cond, double scale, double rescale) {
    Tensor guided = uncond.add(cond.sub(uncond).mul(new Scalar(scale)));
    if (rescale <= 0) return guided;
    long[] dims = {1, 2, 3};
    Tensor stdCond = cond.std(dims, true, true);
    Tensor stdGuided = guided.std(dims, true, true);
    Tensor rescaled = guided.mul(stdCond.div(stdGuided));
    return rescaled.mul(new Scalar(rescale)).add(guided.mul(new Scalar(1 - rescale)));
  }
}
