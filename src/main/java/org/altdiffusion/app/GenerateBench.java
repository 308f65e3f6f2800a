package org.altdiffusion.app;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GenerationRequest;
import org.altdiffusion.schedulers.Samplers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion bench generate}: wall time of whole generations (prompt encoding, guided
 * denoising loop, VAE decode) with a loaded model, cold (the first) and warm (the median of the
 * rest). Baselines of the same run, interleaved with it: the guided passes as one batch (diffusers'
 * way; by default small passes run side by side, see ThreadSettings), and one step, so the ratio
 * shows what the steps cost.
 */
@Command(
    name = "generate",
    description = {
      "Time whole generations (text encoder, every guided step, VAE decode) of a model: the first"
          + " (cold) and the median of the following ones (warm), against guidance run as one batch"
          + " and a 1-step generation, measured in the same run."
    })
final class GenerateBench implements Callable<Integer> {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "Model folder. Default: the built-in model.")
  Path model;

  @Option(
      names = "--prompt",
      defaultValue = "ein großer roter Kreis links",
      description = "Prompt. Default: ${DEFAULT-VALUE}.")
  String prompt;

  @Option(
      names = "--steps",
      defaultValue = "25",
      description = "Sampler steps. Default ${DEFAULT-VALUE}.")
  int steps;

  @Option(
      names = "--sampler",
      description = "Sampler to time, by A1111 or diffusers name (default: the model's scheduler).")
  String sampler;

  @Option(
      names = "--schedule",
      paramLabel = "TYPE",
      description = "Schedule type (A1111's): Automatic (default), Karras, SGM Uniform, ...")
  String schedule;

  @Option(
      names = "--rounds",
      defaultValue = "10",
      description = "Warm generations timed (median reported). Default ${DEFAULT-VALUE}.")
  int rounds;

  @Option(
      names = "--size",
      defaultValue = "0",
      description = "Picture side in pixels (default: the model's).")
  int size;

  @Override
  public Integer call() {
    device.resolve(); // a missing GPU fails before anything starts
    if (rounds < 1 || rounds > 1000)
      throw new IllegalArgumentException("--rounds must be 1..1000, got " + rounds);
    Samplers.resolve(sampler, schedule); // an unknown name fails before the model loads
    System.out.println("threads: " + Torch.init());
    DiffusionPipeline loaded = device.load(model != null ? model : BuiltInModel.folder());
    DiffusionPipeline parallel = loaded.withParallelGuidance(true);
    DiffusionPipeline batched = loaded.withParallelGuidance(false);
    int side = size == 0 ? loaded.defaultSize() : size;
    GenerationRequest request =
        GenerationRequest.builder(prompt)
            .steps(steps)
            .seed(0L)
            .size(side, side)
            .sampler(sampler)
            .schedule(schedule)
            .build()
            .validate();
    double cold = time(parallel, request);
    time(batched, request);
    // interleaved, so that the machine's slow and fast minutes fall on every variant alike
    double[] warm = new double[rounds];
    double[] warmBatched = new double[rounds];
    double[] oneStep = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      warm[i] = time(parallel, request);
      warmBatched[i] = time(batched, request);
      oneStep[i] = time(parallel, request.toBuilder().steps(1).build());
    }
    Arrays.sort(warm);
    Arrays.sort(warmBatched);
    Arrays.sort(oneStep);
    double median = warm[rounds / 2];
    double medianBatched = warmBatched[rounds / 2];
    System.out.printf(
        Locale.ROOT,
        "%s, %s, %dx%d, %d steps, guidance %s, parallel guidance: cold %.3f s; warm median %.3f s"
            + " (min %.3f, max %.3f, %d rounds)%n",
        loaded.modelName(),
        loaded.samplerDisplayName(sampler, schedule),
        side,
        side,
        steps,
        request.guidance().scale(),
        cold,
        median,
        warm[0],
        warm[rounds - 1],
        rounds);
    System.out.printf(
        Locale.ROOT,
        "guidance as one batch of 2 (diffusers' way): warm median %.3f s (min %.3f); parallel/batch"
            + " ratio %.2f%n",
        medianBatched,
        warmBatched[0],
        median / medianBatched);
    System.out.printf(
        Locale.ROOT,
        "baseline 1 step: median %.3f s; ratio %.2f; %.1f ms per extra step%n",
        oneStep[rounds / 2],
        median / oneStep[rounds / 2],
        1000 * (median - oneStep[rounds / 2]) / Math.max(1, steps - 1));
    return 0;
  }

  private static double time(DiffusionPipeline pipeline, GenerationRequest request) {
    long start = System.nanoTime();
    pipeline.generate(request, null);
    return (System.nanoTime() - start) / 1e9;
  }
}
