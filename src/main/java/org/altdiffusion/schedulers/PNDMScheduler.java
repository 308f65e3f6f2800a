package org.altdiffusion.schedulers;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Noise;
import org.bytedeco.pytorch.Tensor;

/**
 * Pseudo numerical methods for diffusion models (Liu et al. 2022), as diffusers' PNDMScheduler: a
 * linear multistep (PLMS) solver, started by four Runge-Kutta (PRK) steps unless {@code
 * skip_prk_steps}. With skip_prk_steps (the AltDiffusion / Stable Diffusion configs) the first step
 * is taken twice: once as an Euler step, then redone with the average of both model outputs.
 */
public final class PNDMScheduler extends AbstractScheduler {
  private static final int PNDM_ORDER = 4;

  private final float finalAlphaCumprod;
  private long[] prkTimesteps = new long[0];
  private int stride; // num_train_timesteps // steps: the distance between inference timesteps
  private int counter;
  private final List<Tensor> ets = new ArrayList<>(); // earlier model outputs, newest last
  private Tensor curSample;
  private Tensor curModelOutput; // the Runge-Kutta sum over a group of four PRK steps

  public PNDMScheduler(SchedulerConfig config) {
    super(config, SchedulerConfig.PNDM);
    finalAlphaCumprod = config.setAlphaToOne() ? 1f : schedule.alphaCumprod(0);
  }

  @Override
  protected void computeTimesteps(int steps) {
    int train = config.numTrainTimesteps();
    long[] base = baseTimesteps(steps); // ascending
    int n = base.length;
    long[] plms;
    if (config.skipPrkSteps()) {
      // [t0, ..., t_{n-2}, t_{n-2}, t_{n-1}] reversed: the second-highest timestep is repeated.
      long[] forward = new long[n + (n >= 2 ? 1 : 0)];
      System.arraycopy(base, 0, forward, 0, n - 1);
      int k = n - 1;
      if (n >= 2) forward[k++] = base[n - 2];
      forward[k] = base[n - 1];
      prkTimesteps = new long[0];
      plms = reverse(forward);
    } else {
      if (n < PNDM_ORDER) {
        throw new IllegalArgumentException(
            "PNDM with skip_prk_steps=false needs at least " + PNDM_ORDER + " steps, got " + steps);
      }
      // Each of the last four timesteps, then it plus half a stride: 8 values; every one but the
      // last
      // twice, trimmed at both ends, highest first: 12 Runge-Kutta evaluations.
      long half = train / steps / 2;
      long[] prk = new long[2 * PNDM_ORDER];
      for (int i = 0; i < PNDM_ORDER; i++) {
        prk[2 * i] = base[n - PNDM_ORDER + i];
        prk[2 * i + 1] = base[n - PNDM_ORDER + i] + half;
      }
      long[] doubled = new long[2 * (prk.length - 1)];
      for (int i = 0; i < prk.length - 1; i++) {
        doubled[2 * i] = prk[i];
        doubled[2 * i + 1] = prk[i];
      }
      long[] trimmed = new long[doubled.length - 2];
      System.arraycopy(doubled, 1, trimmed, 0, trimmed.length);
      prkTimesteps = reverse(trimmed);
      long[] head = new long[n - 3];
      System.arraycopy(base, 0, head, 0, n - 3);
      plms = reverse(head);
    }
    timesteps = new double[prkTimesteps.length + plms.length];
    for (int i = 0; i < prkTimesteps.length; i++) timesteps[i] = prkTimesteps[i];
    for (int i = 0; i < plms.length; i++) timesteps[prkTimesteps.length + i] = plms[i];
    stride = train / steps;
  }

  /** The inference timesteps in ascending order for the configured spacing. */
  private long[] baseTimesteps(int steps) {
    int train = config.numTrainTimesteps();
    long[] out = new long[steps];
    switch (config.timestepSpacing()) {
      case "linspace" -> {
        double[] v = ScheduleMath.linspace(0, train - 1, steps);
        for (int i = 0; i < steps; i++) out[i] = (long) ScheduleMath.round(v[i]);
      }
      case "leading" -> {
        int ratio = train / steps;
        for (int i = 0; i < steps; i++) out[i] = (long) i * ratio + config.stepsOffset();
      }
      case "trailing" -> {
        double[] v = ScheduleMath.arange(train, 0, -(double) train / steps);
        out = new long[v.length];
        for (int i = 0; i < v.length; i++)
          out[i] = (long) ScheduleMath.round(v[v.length - 1 - i]) - 1;
      }
      default -> throw new IllegalStateException(config.timestepSpacing());
    }
    return out;
  }

  private static long[] reverse(long[] x) {
    long[] y = new long[x.length];
    for (int i = 0; i < x.length; i++) y[i] = x[x.length - 1 - i];
    return y;
  }

  @Override
  public double initNoiseSigma() {
    return 1.0;
  }

  @Override
  protected StepResult doStep(Tensor modelOutput, int stepIndex, Tensor sample, Noise noise) {
    long timestep = (long) timesteps[stepIndex];
    Tensor prev =
        counter < prkTimesteps.length && !config.skipPrkSteps()
            ? stepPrk(modelOutput, timestep, sample)
            : stepPlms(modelOutput, timestep, sample);
    counter++;
    return new StepResult(prev, previewX0(modelOutput, timestep, sample));
  }

  /** A fourth-order Runge-Kutta stage: four evaluations per stride, combined 1/6, 1/3, 1/3, 1/6. */
  private Tensor stepPrk(Tensor modelOutput, long timestep, Tensor sample) {
    long diffToPrev = counter % 2 == 1 ? 0 : stride / 2;
    long prevTimestep = timestep - diffToPrev;
    long stageTimestep = prkTimesteps[counter / 4 * 4];
    Tensor output = modelOutput;
    switch (counter % 4) {
      case 0 -> {
        accumulate(modelOutput.mul(s(1.0 / 6)));
        ets.add(hold(modelOutput.clone()));
        setCurSample(sample);
      }
      case 1, 2 -> accumulate(modelOutput.mul(s(1.0 / 3)));
      default -> {
        output = curModelOutput.add(modelOutput.mul(s(1.0 / 6)));
        release(curModelOutput);
        curModelOutput = null;
      }
    }
    Tensor start = curSample != null ? curSample : sample;
    return prevSample(start, stageTimestep, prevTimestep, output);
  }

  /** A linear multistep step over the last up to four model outputs (Adams-Bashforth weights). */
  private Tensor stepPlms(Tensor modelOutput, long timestep, Tensor sample) {
    if (!config.skipPrkSteps() && ets.size() < 3) {
      throw new IllegalStateException(
          "PLMS steps need the 12 Runge-Kutta steps first (skip_prk_steps is false)");
    }
    long prevTimestep = timestep - stride;
    if (counter != 1) {
      while (ets.size() > 3) release(ets.remove(0));
      ets.add(hold(modelOutput.clone()));
    } else {
      // The repeated first step: go again from the first timestep, one stride down.
      prevTimestep = timestep;
      timestep = timestep + stride;
    }
    Tensor output;
    int n = ets.size();
    if (n == 1 && counter == 0) {
      output = modelOutput;
      setCurSample(sample);
    } else if (n == 1 && counter == 1) {
      output = modelOutput.add(ets.get(0)).div(s(2));
      sample = curSample;
      curSample = null; // still held; freed with the history
    } else if (n == 2) {
      output = ets.get(1).mul(s(3)).sub(ets.get(0)).div(s(2));
    } else if (n == 3) {
      output =
          ets.get(2).mul(s(23)).sub(ets.get(1).mul(s(16))).add(ets.get(0).mul(s(5))).div(s(12));
    } else {
      Tensor sum =
          ets.get(3)
              .mul(s(55))
              .sub(ets.get(2).mul(s(59)))
              .add(ets.get(1).mul(s(37)))
              .sub(ets.get(0).mul(s(9)));
      output = sum.mul(s(1.0 / 24));
    }
    return prevSample(sample, timestep, prevTimestep, output);
  }

  /** Formula (9) of the PNDM paper: x_{t-δ} from x_t and the (combined) model output. */
  private Tensor prevSample(Tensor sample, long timestep, long prevTimestep, Tensor modelOutput) {
    float alphaProd = schedule.alphaCumprod((int) timestep);
    float alphaProdPrev =
        prevTimestep >= 0 ? schedule.alphaCumprod((int) prevTimestep) : finalAlphaCumprod;
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    if (config.predictionType().equals("v_prediction")) {
      modelOutput = modelOutput.mul(s(sqrt(alphaProd))).add(sample.mul(s(sqrt(betaProd))));
    }
    float sampleCoeff = sqrt(alphaProdPrev / alphaProd);
    float denominator = alphaProd * sqrt(betaProdPrev) + sqrt(alphaProd * betaProd * alphaProdPrev);
    Tensor correction = modelOutput.mul(s(alphaProdPrev - alphaProd)).div(s(denominator));
    return sample.mul(s(sampleCoeff)).sub(correction);
  }

  /**
   * The clean-sample estimate from this step's raw model output at {@code timestep} (DDIM's
   * formula).
   */
  private Tensor previewX0(Tensor modelOutput, long timestep, Tensor sample) {
    float alphaProd = schedule.alphaCumprod((int) timestep);
    float betaProd = 1f - alphaProd;
    if (config.predictionType().equals("v_prediction")) {
      return sample.mul(s(sqrt(alphaProd))).sub(modelOutput.mul(s(sqrt(betaProd))));
    }
    return sample.sub(modelOutput.mul(s(sqrt(betaProd)))).div(s(sqrt(alphaProd)));
  }

  private void accumulate(Tensor term) {
    Tensor sum = curModelOutput == null ? term : curModelOutput.add(term);
    release(curModelOutput);
    curModelOutput = hold(sum);
  }

  private void setCurSample(Tensor sample) {
    release(curSample);
    curSample = hold(sample.clone());
  }

  @Override
  public Tensor addNoise(Tensor original, Tensor noise, int stepIndex) {
    checkIndex(stepIndex);
    return schedule.addNoise(original, noise, (long) timesteps[stepIndex]);
  }

  @Override
  protected void forgetHistory() {
    counter = 0;
    ets.clear();
    curSample = null;
    curModelOutput = null;
  }
}
