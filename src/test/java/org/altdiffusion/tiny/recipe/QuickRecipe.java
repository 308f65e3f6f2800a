package org.altdiffusion.tiny.recipe;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.engine.Torch;

/**
 * The quick recipe (a few steps per stage), built once per test JVM and shared by the tests that
 * need its models.
 */
public final class QuickRecipe {
  private static Path out;
  private static TinyRecipe.Summary summary;
  private static String log;

  private QuickRecipe() {}

  public static synchronized Path folder() throws Exception {
    if (out == null) {
      Torch.init();
      Path dir = Files.createTempDirectory("quick-recipe");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
        summary = new TinyRecipe(dir, RecipeSettings.quick(), ps, false).run(null);
      }
      log = bytes.toString(StandardCharsets.UTF_8);
      out = dir;
    }
    return out;
  }

  public static TinyRecipe.Summary summary() throws Exception {
    folder();
    return summary;
  }

  public static String log() throws Exception {
    folder();
    return log;
  }
}
