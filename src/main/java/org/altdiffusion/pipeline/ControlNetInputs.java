package org.altdiffusion.pipeline;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.image.ImageTensors;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The ControlNets of a request as the UNet's residuals on every call, with diffusers'
 * StableDiffusionControlNetPipeline semantics: each net sees the call's latents and text rows and
 * its control image (repeated per row), its residuals are scaled by its scale while the step is
 * inside its start/end fraction (a step outside adds nothing), and the nets' residuals are summed.
 * In guess mode only the prompt's rows get residuals (the negative rows none). A unit in one of
 * sd-webui-controlnet's other {@link ControlMode}s has its outputs scaled per output by the mode's
 * factors instead, and in "ControlNet is more important" multiplied by the rows' cond mark (0 on
 * the negative rows, 1 on the prompt's), as the extension's hook. Extra input channels (9-channel
 * inpainting) come from {@code base}.
 */
final class ControlNetInputs implements UNetInputs {
  private final UNetInputs base;
  private final UNet2DConditionModel unet;
  private final List<ControlNetUnit> units;
  private final List<Tensor> images; // per unit [1, 3, H, W] in 0..1
  private final boolean guessMode;
  private final int firstStep;
  private final int stepCount;

  /**
   * @param firstStep the first step index the loop runs (image-to-image starts later)
   * @param totalSteps the scheduler's number of timesteps
   */
  ControlNetInputs(
      UNetInputs base,
      UNet2DConditionModel unet,
      GenerationRequest.Control control,
      GenerationRequest.Size size,
      int firstStep,
      int totalSteps) {
    this.base = base;
    this.unet = unet;
    this.units = control.units();
    this.guessMode = control.guessMode() || units.get(0).model().config.globalPoolConditions();
    this.firstStep = firstStep;
    this.stepCount = totalSteps - firstStep;
    this.images = new ArrayList<>();
    ComputeDevice device = unet.device(); // moved once, not at every step
    for (ControlNetUnit u : units)
      images.add(device.place(ImageTensors.toUnitTensor(fitted(u, size))));
  }

  /** The unit's image at the request's size (fitted by its resize mode when it differs). */
  static BufferedImage fitted(ControlNetUnit u, GenerationRequest.Size size) {
    BufferedImage img = u.image();
    if (img.getWidth() == size.width() && img.getHeight() == size.height()) return img;
    return u.resize().fit(img, size.width(), size.height());
  }

  @Override
  public Tensor extraChannels() {
    return base.extraChannels();
  }

  @Override
  public Residuals residuals(
      Tensor latents, int stepIndex, double timestep, Tensor context, Rows rows) {
    if (!guessMode || rows == Rows.PROMPT) return sum(latents, stepIndex, timestep, context, rows);
    if (rows == Rows.NEGATIVE) return null; // guess mode: the negative pass gets none
    long b = latents.size(0) / 2;
    Residuals cond =
        sum(
            latents.narrow(0, b, b),
            stepIndex,
            timestep,
            context.narrow(0, b, b),
            Rows.PROMPT); // [B, ...]
    if (cond == null) return null;
    List<Tensor> down = new ArrayList<>();
    for (Tensor d : cond.down()) down.add(withZeros(d));
    return new Residuals(down, withZeros(cond.mid()));
  }

  /** [zeros like t; t]: no residual for the negative rows of a batched pass. */
  private static Tensor withZeros(Tensor t) {
    return torch.cat(new TensorVector(torch.zeros_like(t), t), 0); // [2B, C, h, w]
  }

  /** Every acting unit's residuals for these rows, summed; null when none acts at this step. */
  private Residuals sum(Tensor latents, int stepIndex, double timestep, Tensor context, Rows rows) {
    long n = latents.size(0);
    List<Tensor> down = null;
    Tensor mid = null;
    for (int u = 0; u < units.size(); u++) {
      ControlNetUnit unit = units.get(u);
      if (!unit.keeps(stepIndex - firstStep, stepCount)) continue;
      if (unit.mode().promptRowsOnly() && rows == Rows.NEGATIVE) continue; // cond mark 0
      Tensor image = images.get(u).expand(n, -1, -1, -1); // [N, 3, H, W]
      ControlNetModel.Residuals r = unitResiduals(unit, latents, timestep, context, image, rows);
      if (down == null) {
        down = new ArrayList<>(r.down());
        mid = r.mid();
      } else {
        for (int i = 0; i < down.size(); i++) down.set(i, down.get(i).add(r.down().get(i)));
        mid = mid.add(r.mid());
      }
    }
    if (down == null) return null;
    return fullSize(down, mid, latents);
  }

  /**
   * One unit's residuals: diffusers' scale (and guess mode) when Balanced, else the mode's factor
   * per output, times the cond mark [0 x B, 1 x B] of a batched pass when only the prompt's rows
   * get them.
   */
  private ControlNetModel.Residuals unitResiduals(
      ControlNetUnit unit,
      Tensor latents,
      double timestep,
      Tensor context,
      Tensor image,
      Rows rows) {
    ControlNetModel net = unit.model();
    torch.ScalarType dtype = net.dtype(); // the net's precision; its residuals stay in it
    latents = Precision.cast(latents, dtype);
    context = Precision.cast(context, dtype);
    image = Precision.cast(image, dtype);
    if (unit.mode() == ControlMode.BALANCED)
      return net.forward(latents, timestep, context, image, unit.scale(), guessMode);
    double[] scales = unit.mode().scales(unit.scale(), net.outputCount());
    ControlNetModel.Residuals r = net.forward(latents, timestep, context, image, scales);
    if (!unit.mode().promptRowsOnly() || rows != Rows.BOTH) return r;
    long b = latents.size(0) / 2;
    Tensor mark =
        torch.ones_like(
            r.mid().narrow(1, 0, 1).narrow(2, 0, 1).narrow(3, 0, 1)); // [2B, 1, 1, 1], its device
    mark.narrow(0, 0, b).zero_(); // the negative rows' cond mark
    List<Tensor> down = new ArrayList<>();
    for (Tensor d : r.down()) down.add(d.mul(mark));
    return new ControlNetModel.Residuals(down, r.mid().mul(mark));
  }

  /** Globally pooled residuals ([N, C, 1, 1]) broadcast to the skips' shapes. */
  private Residuals fullSize(List<Tensor> down, Tensor mid, Tensor latents) {
    long n = latents.size(0);
    long h = latents.size(2);
    long w = latents.size(3);
    List<long[]> shapes = unet.downResidualShapes(n, h, w);
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < down.size(); i++) out.add(down.get(i).expand(shapes.get(i)).contiguous());
    return new Residuals(out, mid.expand(unet.midResidualShape(n, h, w)).contiguous());
  }
}
