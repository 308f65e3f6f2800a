package org.altdiffusion.app;

import java.util.List;
import java.util.concurrent.Callable;
import org.altdiffusion.schedulers.SamplerLimits;
import org.altdiffusion.schedulers.Samplers;
import org.altdiffusion.schedulers.ScheduleType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code altdiffusion samplers}: the sampler table and the schedule types, as users name them. */
@Command(
    name = "samplers",
    description =
        "List the samplers (A1111 names, aliases, diffusers classes, what each cannot do) and the"
            + " schedule types that --sampler and --schedule accept.")
final class SamplersCommand implements Callable<Integer> {
  @Option(
      names = "--names",
      description = "Print only the sampler names, one a line (for scripts).")
  boolean namesOnly;

  @Override
  public Integer call() {
    if (namesOnly) {
      Samplers.names().forEach(System.out::println);
      return 0;
    }
    System.out.println("| sampler | diffusers class | aliases | cannot |");
    System.out.println("|---|---|---|---|");
    for (Samplers.Entry e : Samplers.entries()) {
      List<String> limits = SamplerLimits.of(e);
      System.out.println(
          "| "
              + e.name()
              + " | "
              + e.className()
              + (e.overrides().isEmpty() ? "" : " " + e.overrides())
              + " | "
              + String.join(", ", e.aliases())
              + " | "
              + (limits.isEmpty() ? "-" : String.join(", ", limits))
              + " |");
    }
    System.out.println();
    System.out.println("Schedule types (--schedule): " + String.join(", ", ScheduleType.labels()));
    return 0;
  }
}
