package org.altdiffusion.app;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.tiny.recipe.RecipeSettings;
import org.altdiffusion.tiny.recipe.TinyRecipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion demo-train}: the whole AltDiffusion recipe at small scale (the built-in
 * model).
 */
@Command(
    name = "demo-train",
    sortOptions = false,
    description = {
      "Rebuild the built-in AltDiffusion-tiny from nothing with this project's training code on the"
          + " synthetic shapes data: tokenizers, English teacher CLIP, VAE, multilingual student"
          + " text encoder (distillation), English base text-to-image model, concept alignment"
          + " (cross-attention K/V only, half resolution), quality stage (all UNet weights, 10%%"
          + " caption dropout, EMA).",
      "Writes OUT/altdiffusion-tiny (the multilingual model), OUT/english-base, OUT/teacher-clip,"
          + " OUT/runs/<stage> (logs, loss curves, checkpoints) and OUT/recipe.json (seconds per"
          + " stage). Interrupted runs continue where they stopped."
    })
final class DemoTrainCommand implements Callable<Integer> {
  @Option(
      names = "--out",
      defaultValue = "work/demo-train",
      paramLabel = "DIR",
      description = "Output folder. Default ${DEFAULT-VALUE}.")
  Path out;

  @Option(
      names = "--restart-from",
      paramLabel = "STAGE",
      description =
          "Run this stage and every later one again: tokenizers, teacher, vae, student, base,"
              + " alignment, quality.")
  String restartFrom;

  @Option(
      names = "--stop-after",
      paramLabel = "STAGE",
      defaultValue = "quality",
      description =
          "Stop once this stage is done (e.g. base: only the English model). Default"
              + " ${DEFAULT-VALUE}.")
  String stopAfter;

  @Option(
      names = "--quick",
      description =
          "A few steps per stage on a small UNet: checks that the chain runs (minutes), not a"
              + " usable model.")
  boolean quick;

  @Option(
      names = "--partial-captions",
      paramLabel = "SHARE",
      defaultValue = "0",
      description =
          "Share (0..1) of training captions replaced by partial ones (one, two or three of shape,"
              + " colour, position, size in every language's grammar, bare words included:"
              + " \"blau\", \"赤\", \"circle\") in every stage that reads captions. Default"
              + " ${DEFAULT-VALUE}: the captions the shipped models were built from (bit for bit)."
              + " Changing it on an existing OUT needs --restart-from tokenizers.")
  double partialCaptions;

  @Override
  public Integer call() throws Exception {
    TinyRecipe.Stage from = restartFrom == null ? null : TinyRecipe.Stage.parse(restartFrom);
    TinyRecipe.Stage last = TinyRecipe.Stage.parse(stopAfter);
    System.err.println("threads: " + Torch.init());
    if (!(partialCaptions >= 0 && partialCaptions <= 1))
      throw new IllegalArgumentException(
          "--partial-captions must be in [0, 1], got " + partialCaptions);
    RecipeSettings settings =
        (quick ? RecipeSettings.quick() : RecipeSettings.full())
            .withPartialCaptions(partialCaptions);
    TinyRecipe.Summary summary =
        new TinyRecipe(out, settings, System.err, System.console() != null).run(from, last);
    for (var e : summary.seconds().entrySet())
      System.out.printf(Locale.ROOT, "%-11s %7.0f s%n", e.getKey().key(), e.getValue());
    System.out.printf(
        Locale.ROOT,
        "%-11s %7.0f s (%.1f min); %s%n",
        "total",
        summary.total(),
        summary.total() / 60,
        last == TinyRecipe.Stage.QUALITY
            ? "model in " + out.resolve("altdiffusion-tiny")
            : "stopped after " + last.key());
    return 0;
  }
}
