package org.altdiffusion.schedulers;

import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;

/**
 * A diffusion sampler with diffusers 0.30.3's contract, addressed by step index instead of timestep
 * value. A denoising loop:
 *
 * <pre>{@code
 * scheduler.setTimesteps(steps);
 * Tensor latents = Tensors.randn(generator, shape).mul(Tensors.scalar(scheduler.initNoiseSigma()));
 * for (int i = 0; i < scheduler.timesteps().length; i++) {
 *   Tensor input = scheduler.scaleModelInput(latents, i);
 *   Tensor eps = unet.forward(input, scheduler.timesteps()[i], text);   // plus guidance
 *   latents = scheduler.step(eps, i, latents, generator).prevSample();
 * }
 * }</pre>
 *
 * img2img starts at {@code int start = scheduler.img2imgStart(strength)}: the latents are {@code
 * addNoise(imageLatents, noise, start)} and the loop runs {@code i = start .. timesteps().length-1}
 * (diffusers: {@code timesteps[t_start * order:]} with {@code set_begin_index}).
 *
 * <p>Steps must be taken in order, one index after the other from the first index stepped; {@link
 * #setTimesteps} starts over. Multistep samplers keep earlier model outputs between steps (retained
 * natively, freed by {@link #setTimesteps} or {@link #close}); inputs are not modified.
 */
public interface Scheduler extends AutoCloseable {
  /** The diffusers class this follows, e.g. {@code "PNDMScheduler"}. */
  String className();

  SchedulerConfig config();

  /** Betas and alphas_cumprod of the train schedule; add_noise / get_velocity for training. */
  NoiseSchedule noiseSchedule();

  /** diffusers' {@code scheduler.order}: model evaluations per step index (1 for all of ours). */
  default int order() {
    return 1;
  }

  /** Prepares {@code steps} inference steps (1 .. num_train_timesteps) and forgets any history. */
  void setTimesteps(int steps);

  /** The steps asked of {@link #setTimesteps}; -1 before. */
  int numInferenceSteps();

  /**
   * The timestep per step index, the UNet's time input. Whole numbers for PNDM, DDIM and DPM;
   * float32 (or float64 with LMS Karras) values for the Euler and LMS samplers, as in diffusers.
   * PNDM has {@code steps + 1} of them (its first step is repeated), with PRK steps more.
   */
  double[] timesteps();

  /**
   * The noise level per step index plus a final one (diffusers' {@code scheduler.sigmas}, float32
   * values) for the sigma-based samplers; empty for PNDM and DDIM.
   */
  double[] sigmas();

  /** The standard deviation of the initial noise: {@code latents = randn * initNoiseSigma()}. */
  double initNoiseSigma();

  /** The UNet input at step {@code stepIndex} ({@code sample / sqrt(sigma² + 1)} for Euler/LMS). */
  Tensor scaleModelInput(Tensor sample, int stepIndex);

  /**
   * One denoising step at {@code stepIndex} from the model output (epsilon, v or x0 as the config's
   * {@code prediction_type}). {@code noise} feeds the samplers that draw noise (Euler a, DDIM with
   * eta > 0, SDE DPM++) in diffusers' order; null uses torch's global generator.
   */
  StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise);

  /**
   * {@link #step(Tensor, int, Tensor, Noise)} with one generator for the whole batch (null:
   * global).
   */
  default StepResult step(Tensor modelOutput, int stepIndex, Tensor sample, Generator generator) {
    return step(modelOutput, stepIndex, sample, Noise.of(generator));
  }

  /**
   * {@code original} noised to the level of step {@code stepIndex}, for img2img (diffusers
   * add_noise).
   */
  Tensor addNoise(Tensor original, Tensor noise, int stepIndex);

  /**
   * The first step index of img2img with {@code strength} in [0, 1], as diffusers' {@code
   * get_timesteps}: {@code t_start = steps - min(int(steps * strength), steps)}, times the order.
   * With strength 0 nothing is left to denoise (the start is past the last step, except for PNDM,
   * whose timesteps hold one extra step).
   */
  default int img2imgStart(double strength) {
    if (!(strength >= 0 && strength <= 1)) {
      throw new IllegalArgumentException("strength must lie in [0, 1], got " + strength);
    }
    int steps = numInferenceSteps();
    if (steps < 1) throw new IllegalStateException("call setTimesteps before img2imgStart");
    int initTimestep = Math.min((int) (steps * strength), steps);
    return Math.max(steps - initTimestep, 0) * order();
  }

  /**
   * DDIM's eta (0 = deterministic, 1 = DDPM-like noise), the pipeline's {@code eta}. Samplers
   * without an eta ignore it, as the diffusers pipelines do.
   */
  default void setEta(double eta) {
    if (!(eta >= 0)) throw new IllegalArgumentException("eta must be >= 0, got " + eta);
  }

  /** Frees the history kept between steps. The scheduler stays usable after a new setTimesteps. */
  @Override
  void close();

  /**
   * What a step gives: the sample at the next step index and the model's current estimate of the
   * clean sample (for previews; diffusers' {@code pred_original_sample}).
   */
  record StepResult(Tensor prevSample, Tensor predOriginalSample) {}
}
