package org.altdiffusion.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.tiny.data.Language;
import org.altdiffusion.tiny.eval.EvalReport;
import org.altdiffusion.tiny.eval.LoraStyleEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code altdiffusion eval-lora}: the demo LoRA's style and the attributes, per language. */
@Command(
    name = "eval-lora",
    sortOptions = false,
    description = {
      "Measure the demo style LoRA (striped backgrounds) on the built-in model, per language: the"
          + " held-out combinations' captions generated at each --weights (same seeds); the share"
          + " of pictures with stripes (the oracle's stripe contrast) and with shape, colour,"
          + " position and size all right. Writes OUT/lora-NAME.md and OUT/lora-NAME.png."
    })
final class EvalLoraCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Option(
      names = "--lora",
      defaultValue = "models/lora/stripes.safetensors",
      description = "The LoRA. Default ${DEFAULT-VALUE}.")
  Path lora;

  @Option(names = "--model", paramLabel = "DIR", description = "Default: the built-in model.")
  Path model;

  @Option(
      names = "--weights",
      split = ",",
      defaultValue = "0,0.5,1",
      description = "LoRA weights compared (0 = without). Default ${DEFAULT-VALUE}.")
  List<Double> weights = new ArrayList<>();

  @Option(
      names = "--combinations",
      defaultValue = "8",
      description = "Held-out combinations per language (1..48). Default ${DEFAULT-VALUE}.")
  int combinations;

  @Option(names = "--languages", split = ",", description = "Language codes (default: all 18).")
  List<String> languages = new ArrayList<>();

  @Option(names = "--steps", defaultValue = "25", description = "Default ${DEFAULT-VALUE}.")
  int steps;

  @Option(names = "--guidance", defaultValue = "7.5", description = "Default ${DEFAULT-VALUE}.")
  double guidance;

  @Option(names = "--seed", defaultValue = "0", description = "Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--out", defaultValue = "docs/eval", description = "Default ${DEFAULT-VALUE}.")
  Path out;

  @Override
  public Integer call() throws Exception {
    device.resolve(); // a missing GPU fails before anything starts
    if (!Files.isRegularFile(lora))
      throw new IllegalArgumentException("--lora " + lora + ": no such file");
    if (steps < 1 || steps > 1000)
      throw new IllegalArgumentException("--steps must be 1..1000, got " + steps);
    List<Language> langs =
        languages.isEmpty()
            ? List.of(Language.values())
            : languages.stream().map(Language::parse).distinct().toList();
    System.err.println("threads: " + Torch.init());
    DiffusionPipeline pipeline = device.load(model != null ? model : BuiltInModel.folder());
    var result =
        LoraStyleEvaluation.evaluate(
            pipeline,
            lora,
            weights,
            langs,
            combinations,
            steps,
            guidance,
            seed,
            System.err::println);
    String name = lora.getFileName().toString().replaceFirst("\\.[^.]+$", "");
    String table = LoraStyleEvaluation.markdown(result, weights, langs);
    Files.createDirectories(out);
    Files.writeString(out.resolve("lora-" + name + ".md"), table);
    EvalReport.writePng(
        LoraStyleEvaluation.grid(result, weights, langs, combinations),
        out.resolve("lora-" + name + ".png"));
    System.out.print(table);
    System.out.println("written to " + out);
    return 0;
  }
}
