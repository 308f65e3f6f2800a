package org.altdiffusion.schedulers;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.function.Supplier;
import org.altdiffusion.engine.Noise;
import org.altdiffusion.engine.Scopes;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.TorchErrors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * What every sampler shares: the config and train schedule, argument checks, step order, native
 * memory of the history kept between steps, and the float32 scalar arithmetic diffusers does on
 * 0-dim tensors (reproduced with Java floats so that coefficients round the same way).
 */
abstract class AbstractScheduler implements Scheduler {
  protected final SchedulerConfig config;
  protected final NoiseSchedule schedule;
  protected int numInferenceSteps = -1;
  protected double[] timesteps = new double[0];
  protected double[] sigmas = new double[0];
  private int nextStepIndex = -1;
  private final Deque<Tensor> held = new ArrayDeque<>();

  AbstractScheduler(SchedulerConfig config, String expectedClass) {
    if (!config.className().equals(expectedClass)) {
      throw new IllegalArgumentException(
          "config is for " + config.className() + ", not " + expectedClass);
    }
    this.config = config;
    this.schedule = NoiseSchedule.of(config);
  }

  @Override
  public String className() {
    return config.className();
  }

  @Override
  public SchedulerConfig config() {
    return config;
  }

  @Override
  public NoiseSchedule noiseSchedule() {
    return schedule;
  }

  @Override
  public int numInferenceSteps() {
    return numInferenceSteps;
  }

  @Override
  public double[] timesteps() {
    return timesteps.clone();
  }

  @Override
  public double[] sigmas() {
    return sigmas.clone();
  }

  @Override
  public final void setTimesteps(int steps) {
    int max = config.numTrainTimesteps();
    if (steps < 1 || steps > max) {
      throw new IllegalArgumentException(
          "steps must lie in [1, "
              + max
              + "] (num_train_timesteps of "
              + className()
              + "), got "
              + steps);
    }
    close();
    computeTimesteps(steps);
    numInferenceSteps = steps;
    nextStepIndex = -1;
  }

  /** Fills {@link #timesteps} (and {@link #sigmas}) for {@code steps} and resets sampler state. */
  protected abstract void computeTimesteps(int steps);

  @Override
  public Tensor scaleModelInput(Tensor sample, int stepIndex) {
    checkIndex(stepIndex);
    return sample;
  }

  @Override
  public final StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    checkIndex(stepIndex);
    if (nextStepIndex >= 0 && stepIndex != nextStepIndex) {
      throw new IllegalStateException(
          "step index "
              + stepIndex
              + " out of order: the next step is "
              + nextStepIndex
              + " (call setTimesteps to start over)");
    }
    if (!Arrays.equals(Tensors.shape(modelOutput), Tensors.shape(sample))) {
      throw new IllegalArgumentException(
          "model output "
              + Tensors.shapeString(modelOutput)
              + " and sample "
              + Tensors.shapeString(sample)
              + " differ in shape");
    }
    StepResult result =
        keep(
            () ->
                TorchErrors.guard(
                    className() + " step " + stepIndex,
                    () ->
                        doStep(
                            modelOutput,
                            stepIndex,
                            sample,
                            noise == null ? Noise.of(null) : noise)));
    nextStepIndex = stepIndex + 1;
    return result;
  }

  /** The step itself; runs in its own native scope (intermediates die with it). */
  protected abstract StepResult doStep(
      Tensor modelOutput, int stepIndex, Tensor sample, Noise noise);

  protected void checkIndex(int stepIndex) {
    if (numInferenceSteps < 0)
      throw new IllegalStateException("call setTimesteps before stepping " + className());
    if (stepIndex < 0 || stepIndex >= timesteps.length) {
      throw new IllegalArgumentException(
          "step index " + stepIndex + " outside [0, " + (timesteps.length - 1) + "]");
    }
  }

  @Override
  public void close() {
    while (!held.isEmpty()) {
      Tensor t = held.pop();
      if (!t.isNull()) t.releaseReference();
    }
    forgetHistory();
  }

  /** Drops references to history tensors (their native memory is released by {@link #close}). */
  protected abstract void forgetHistory();

  /** Keeps {@code t} alive beyond the step's scope, until {@link #close} or {@link #release}. */
  protected Tensor hold(Tensor t) {
    t.retainReference();
    held.push(t);
    return t;
  }

  /** Releases a tensor kept by {@link #hold} that the sampler no longer needs. */
  protected void release(Tensor t) {
    if (t != null && held.remove(t) && !t.isNull()) t.releaseReference();
  }

  protected static Scalar s(double v) {
    return new Scalar(v);
  }

  /** {@code x ** 0.5} of a float32 0-dim tensor: correctly rounded, as torch's sqrt. */
  /**
   * The clean sample and the noise that {@code modelOutput} implies for the config's prediction
   * type (DDIM paper, formula 12): {@code [predOriginal, predEpsilon]}.
   */
  protected Tensor[] originalAndNoise(
      Tensor sample, Tensor modelOutput, float alphaProd, float betaProd) {
    Scalar a = s(sqrt(alphaProd));
    Scalar b = s(sqrt(betaProd));
    return switch (config.predictionType()) {
      case "epsilon" -> new Tensor[] {sample.sub(modelOutput.mul(b)).div(a), modelOutput};
      case "sample" -> new Tensor[] {modelOutput, sample.sub(modelOutput.mul(a)).div(b)};
      default -> // v_prediction
          new Tensor[] {
            sample.mul(a).sub(modelOutput.mul(b)), modelOutput.mul(a).add(sample.mul(b))
          };
    };
  }

  /**
   * alpha_t and sigma_t of the variance-preserving form at the variance-exploding level {@code
   * sigma} (the multistep solvers' {@code _sigma_to_alpha_sigma_t}), in float32.
   */
  protected static float[] alphaSigma(float sigma) {
    float alpha = 1f / sqrt(sigma * sigma + 1f);
    return new float[] {alpha, sigma * alpha};
  }

  protected static float sqrt(float x) {
    return (float) Math.sqrt(x);
  }

  protected static float log(float x) {
    return (float) Math.log(x);
  }

  protected static float exp(float x) {
    return (float) Math.exp(x);
  }

  /** Runs {@code body} in a native scope; the result's tensors survive into the caller's scope. */
  private static StepResult keep(Supplier<StepResult> body) {
    Tensor[] kept =
        Scopes.keepAll(
            () -> {
              StepResult r = body.get();
              return new Tensor[] {r.prevSample(), r.predOriginalSample()};
            });
    return new StepResult(kept[0], kept[1]);
  }
}
