package org.altdiffusion.train.optim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.altdiffusion.engine.TorchErrors;
import org.altdiffusion.nn.Parameter;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * libtorch's {@code torch::optim::AdamW} over named parameters (decoupled weight decay: {@code p *=
 * 1 - lr * wd}, then the Adam update with bias correction), the optimiser of the AltDiffusion
 * recipe. Parameters without a gradient in a step are left untouched, decay included (as torch).
 *
 * <p>Its per-parameter state (step, exp_avg, exp_avg_sq) is saved and restored with libtorch's own
 * archive format ({@link #save}, {@link #load}), so a resumed run continues bit-identically.
 */
public final class AdamWOptimizer implements AutoCloseable {
  /**
   * @param lr peak learning rate, default 1e-4 (the schedule sets the rate of each step)
   * @param beta1 first-moment decay, default 0.9
   * @param beta2 second-moment decay, default 0.999
   * @param eps denominator term, default 1e-8
   * @param weightDecay decoupled weight decay, default 1e-2 (torch's AdamW default)
   */
  public record Settings(double lr, double beta1, double beta2, double eps, double weightDecay) {
    public static final Settings DEFAULT = new Settings(1e-4, 0.9, 0.999, 1e-8, 1e-2);

    public Settings {
      if (!(lr > 0) || !Double.isFinite(lr))
        throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
      if (!(beta1 >= 0 && beta1 < 1))
        throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
      if (!(beta2 >= 0 && beta2 < 1))
        throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
      if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
      if (!(weightDecay >= 0))
        throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
  }

  private final List<String> names;
  private final TensorVector params;
  private final AdamW adamw;
  private final Settings settings;

  public AdamWOptimizer(Map<String, Parameter> trainable, Settings settings) {
    if (trainable.isEmpty())
      throw new IllegalArgumentException("nothing to train: no trainable parameters");
    this.settings = settings;
    this.names = List.copyOf(trainable.keySet());
    List<Tensor> tensors = new ArrayList<>();
    for (Parameter p : trainable.values()) tensors.add(p.get());
    this.params = new TensorVector(tensors.toArray(new Tensor[0]));
    AdamWOptions options = new AdamWOptions(settings.lr());
    // The C++ std::tuple<double, double> of betas lies in memory in reverse order (libstdc++ stores
    // the last element first): slot 0 is beta2 and slot 1 is beta1. Checked against torch's AdamW
    // by the reference step test (the second step depends on both betas).
    DoublePointer betas = options.betas();
    betas.put(0, settings.beta2());
    betas.put(1, settings.beta1());
    options.eps().put(settings.eps());
    options.weight_decay().put(settings.weightDecay());
    options.amsgrad().put(false);
    this.adamw = new AdamW(params, options);
  }

  public Settings settings() {
    return settings;
  }

  /** Parameter names in optimiser order (the order of the saved state). */
  public List<String> names() {
    return names;
  }

  /** The learning rate of the next {@link #step}. */
  public void setLearningRate(double lr) {
    adamw.param_groups().get(0).options().set_lr(lr);
  }

  public double learningRate() {
    return adamw.param_groups().get(0).options().get_lr();
  }

  /** Sets every gradient to undefined (torch's {@code set_to_none=True}). */
  public void zeroGrad() {
    adamw.zero_grad(true);
  }

  /** One update from the gradients now held by the parameters. */
  public void step() {
    TorchErrors.guard("AdamW step", () -> adamw.step());
  }

  /**
   * Writes the optimiser state (steps, moments, options) to {@code file} in libtorch's archive
   * format.
   */
  public void save(Path file) throws IOException {
    OutputArchive archive = new OutputArchive();
    adamw.save(archive);
    try {
      archive.save_to(file.toString());
    } catch (RuntimeException e) {
      throw new IOException(
          "cannot write optimizer state " + file + ": " + TorchErrors.firstLine(e), e);
    } finally {
      archive.close();
    }
  }

  /** Restores what {@link #save} wrote; the parameters must be the same, in the same order. */
  public void load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new IOException("optimizer state missing: " + file);
    InputArchive archive = new InputArchive();
    try {
      // the moments go where the parameters are (a run resumed on another device included)
      org.bytedeco.pytorch.Device device = params.empty() ? null : params.get(0).device();
      if (device == null) archive.load_from(file.toString());
      else archive.load_from(file.toString(), new org.bytedeco.pytorch.DeviceOptional(device));
      adamw.load(archive);
    } catch (RuntimeException e) {
      throw new IOException(
          "cannot read optimizer state " + file + ": " + TorchErrors.firstLine(e), e);
    } finally {
      archive.close();
    }
  }

  /** The tensors in optimiser order (gradients, clipping). */
  public TensorVector parameterVector() {
    return params;
  }

  @Override
  public void close() {
    adamw.close();
    params.close();
  }
}
