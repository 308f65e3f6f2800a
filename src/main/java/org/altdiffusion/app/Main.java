package org.altdiffusion.app;

import org.altdiffusion.engine.ShutdownGate;
import org.altdiffusion.engine.Torch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./altdiffusion}: one subcommand per job. */
@Command(
    name = "altdiffusion",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT, // -h/--help (and -V) on every subcommand
    version = "altdiffusion 0.1.0",
    description = "Multilingual text-to-image diffusion (AltDiffusion) on the JVM.",
    subcommands = {
      GenerateCommand.class,
      ConvertCommand.class,
      PreprocessCommand.class,
      InfoCommand.class,
      BenchCommand.class,
      DatasetCommand.class,
      TinyCommand.class,
      ServeCommand.class,
      TrainTextEncoderCommand.class,
      TrainUnetCommand.class,
      TrainControlNetCommand.class,
      DemoTrainCommand.class,
      EvalCommand.class,
      SamplersCommand.class,
      BenchmarkCommand.class,
      EvalLoraCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (0 ok, 1 bad input or failure, 2 usage). */
  public static int run(String... args) {
    Torch.configureJavaCpp();
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          cmd.getErr().println("error: " + Errors.describe(ex));
          if (System.getenv("ALTDIFFUSION_DEBUG") != null) ex.printStackTrace(cmd.getErr());
          return 1;
        });
    try (ShutdownGate.Section work = ShutdownGate.enterProcess()) {
      return cli.execute(args);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
