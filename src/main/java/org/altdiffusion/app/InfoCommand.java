package org.altdiffusion.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.altdiffusion.io.png.PngText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code altdiffusion info FILE.png}: prints the generation parameters stored in a PNG. */
@Command(
    name = "info",
    description =
        "Print the generation parameters stored in PNG files (AUTOMATIC1111 'parameters').")
final class InfoCommand implements Callable<Integer> {
  /** PNGs larger than this are refused: no generated image comes near it. */
  static final long MAX_PNG_BYTES = 256L << 20;

  @Parameters(arity = "1..*", paramLabel = "FILE.png", description = "PNG files to read.")
  Path[] files;

  @Override
  public Integer call() throws Exception {
    int status = 0;
    for (Path file : files) {
      if (files.length > 1) System.out.println("== " + file);
      if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
      if (Files.size(file) > MAX_PNG_BYTES)
        throw new IllegalArgumentException(
            file + ": larger than " + (MAX_PNG_BYTES >> 20) + " MB, not read");
      Map<String, String> text;
      try {
        text = PngText.read(Files.readAllBytes(file));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
      String parameters = text.get("parameters");
      if (parameters == null) {
        System.err.println(
            file
                + ": no 'parameters' text in this PNG"
                + (text.isEmpty() ? "" : " (it has: " + String.join(", ", text.keySet()) + ")"));
        status = 1;
        continue;
      }
      System.out.println(parameters);
    }
    return status;
  }
}
