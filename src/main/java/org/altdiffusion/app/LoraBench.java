package org.altdiffusion.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.lora.AppliedLoras;
import org.altdiffusion.lora.LoraSpec;
import org.altdiffusion.lora.LoraTarget;
import org.altdiffusion.nn.Module;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.GenerationRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion bench lora}: what a merged LoRA costs. Per denoising step, generations with
 * and without the LoRA (each step's cost from the difference between an N-step and a 1-step
 * generation, so the merge and restore around a generation fall out); per switch, merging the LoRA
 * into the weights and restoring them (what the server does when consecutive requests name other
 * LoRAs) against loading the model from its folder. All interleaved in one run.
 */
@Command(
    name = "lora",
    description = {
      "Time a merged LoRA: the denoising step with it against without (ratio; merged, so about"
          + " 1), and a LoRA switch (merge + restore) against a model load (ratio), measured in"
          + " the same run."
    })
final class LoraBench implements Callable<Integer> {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--model", paramLabel = "DIR", description = "Default: the built-in model.")
  Path model;

  @Option(
      names = "--lora",
      defaultValue = "models/lora/stripes.safetensors",
      description = "The LoRA. Default ${DEFAULT-VALUE}.")
  Path lora;

  @Option(names = "--steps", defaultValue = "25", description = "Default ${DEFAULT-VALUE}.")
  int steps;

  @Option(
      names = "--rounds",
      defaultValue = "7",
      description = "Timed rounds of each (median reported). Default ${DEFAULT-VALUE}.")
  int rounds;

  @Override
  public Integer call() {
    device.resolve(); // a missing GPU fails before anything starts
    if (rounds < 1 || rounds > 1000)
      throw new IllegalArgumentException("--rounds must be 1..1000, got " + rounds);
    if (steps < 2 || steps > 1000)
      throw new IllegalArgumentException("--steps must be 2..1000, got " + steps);
    if (!Files.isRegularFile(lora))
      throw new IllegalArgumentException("--lora " + lora + ": no such file");
    System.out.println("threads: " + Torch.init());
    Path folder = model != null ? model : BuiltInModel.folder();
    DiffusionPipeline pipeline = device.load(folder);
    int side = pipeline.defaultSize();
    GenerationRequest plain =
        GenerationRequest.builder("ein großer roter Kreis links")
            .steps(steps)
            .seed(0L)
            .size(side, side)
            .build()
            .validate();
    GenerationRequest withLora = plain.toBuilder().loras(List.of(new LoraSpec(lora, 1))).build();
    List<LoraTarget> targets = new ArrayList<>();
    targets.add(new LoraTarget(LoraTarget.UNET, pipeline.components().unet()));
    if (pipeline.components().textEncoder() instanceof Module encoder)
      targets.add(new LoraTarget(LoraTarget.TEXT_ENCODER, encoder));
    // warm-up of every path
    time(() -> pipeline.generate(plain, null));
    time(() -> pipeline.generate(withLora, null));
    double[] step = new double[rounds];
    double[] stepLora = new double[rounds];
    double[] switchTime = new double[rounds];
    double[] load = new double[rounds];
    int[] changed = new int[1];
    for (int i = 0; i < rounds; i++) {
      step[i] = perStep(pipeline, plain);
      stepLora[i] = perStep(pipeline, withLora);
      switchTime[i] =
          time(
              () -> {
                try (AppliedLoras a = AppliedLoras.apply(withLora.loras(), targets)) {
                  changed[0] = a.changedWeights();
                }
              });
      DiffusionPipeline[] loaded = new DiffusionPipeline[1];
      load[i] = time(() -> loaded[0] = device.load(folder));
      free(loaded[0]);
    }
    double s = median(step), sl = median(stepLora), sw = median(switchTime), l = median(load);
    System.out.printf(
        Locale.ROOT,
        "%s, %dx%d, LoRA %s (%d weights changed), %d rounds (medians)%n",
        pipeline.modelName(),
        side,
        side,
        lora.getFileName(),
        changed[0],
        rounds);
    System.out.printf(
        Locale.ROOT,
        "denoising step: %.2f ms without the LoRA, %.2f ms with it merged; ratio %.3f%n",
        1000 * s,
        1000 * sl,
        sl / s);
    System.out.printf(
        Locale.ROOT,
        "LoRA switch (read + merge + restore): %.1f ms; model load: %.1f ms; ratio %.3f%n",
        1000 * sw,
        1000 * l,
        sw / l);
    return 0;
  }

  /** One step's share of a generation: (N steps - 1 step) / (N - 1). */
  private double perStep(DiffusionPipeline pipeline, GenerationRequest request) {
    double full = time(() -> pipeline.generate(request, null));
    double one = time(() -> pipeline.generate(request.toBuilder().steps(1).build(), null));
    return (full - one) / (steps - 1);
  }

  /** Frees a pipeline's weights (native memory is not the garbage collector's). */
  private static void free(DiffusionPipeline p) {
    p.components().unet().clear();
    p.components().vae().clear();
    if (p.components().textEncoder() instanceof Module m) m.clear();
  }

  private static double median(double[] v) {
    double[] sorted = v.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static double time(Runnable body) {
    long start = System.nanoTime();
    body.run();
    return (System.nanoTime() - start) / 1e9;
  }
}
