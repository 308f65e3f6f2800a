package org.altdiffusion.app;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command and subcommand answers --help with its usage, and no description has a broken
 * format.
 */
class HelpTest {
  @Test
  void everyCommandPrintsItsUsage() {
    List<List<String>> paths = new ArrayList<>();
    collect(new CommandLine(new Main()), new ArrayList<>(), paths);
    assertTrue(paths.size() >= 14, "commands found: " + paths);
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    for (List<String> path : paths) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int code;
      try (PrintStream p = new PrintStream(out, true, StandardCharsets.UTF_8)) {
        System.setOut(p);
        System.setErr(p);
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        code = Main.run(args.toArray(new String[0]));
      } finally {
        System.setOut(oldOut);
        System.setErr(oldErr);
      }
      String text = out.toString(StandardCharsets.UTF_8);
      assertEquals(0, code, path + ": " + text);
      assertTrue(
          text.startsWith("Usage: altdiffusion " + String.join(" ", path)), path + ": " + text);
      assertFalse(text.contains("WARN"), path + ": " + text);
    }
  }

  private static void collect(CommandLine cli, List<String> prefix, List<List<String>> paths) {
    cli.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (name.equals("help")) return;
              List<String> path = new ArrayList<>(prefix);
              path.add(name);
              paths.add(path);
              collect(sub, path, paths);
            });
  }
}
