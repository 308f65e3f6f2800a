package org.altdiffusion.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.altdiffusion.image.Png;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.image.control.ProcessorResolution;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code altdiffusion preprocess canny IMG OUT}: a control map, to see what a ControlNet gets. */
@Command(
    name = "preprocess",
    description = "Write the control map of a picture (none, canny, scribble, invert) as a PNG.")
final class PreprocessCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "NAME", description = "none, canny, scribble or invert.")
  String name;

  @Parameters(index = "1", paramLabel = "IMG", description = "The picture.")
  Path image;

  @Parameters(index = "2", paramLabel = "OUT", description = "The map's PNG file.")
  Path out;

  @Option(names = "--canny-low", defaultValue = "100", description = "Canny low threshold.")
  double low;

  @Option(names = "--canny-high", defaultValue = "200", description = "Canny high threshold.")
  double high;

  @Option(names = "--l2-gradient", description = "Canny with the L2 gradient magnitude.")
  boolean l2;

  @Option(
      names = "--scribble-threshold",
      defaultValue = "127",
      description = "scribble: gray values up to it become lines.")
  int threshold;

  @Option(
      names = "--processor-res",
      paramLabel = "PX",
      defaultValue = "0",
      description =
          "canny/scribble: scale the picture's short side to PX first, as sd-webui-controlnet's"
              + " processor_res (0, the default: its own size).")
  int resolution;

  @Override
  public Integer call() throws Exception {
    Preprocessor p = Preprocessor.of(name);
    if (resolution < 0 || resolution > ProcessorResolution.MAX)
      throw new IllegalArgumentException(
          "--processor-res " + resolution + ": accepted 1.." + ProcessorResolution.MAX + " or 0");
    var map =
        p.apply(
            ControlNetOptions.readImage(image),
            new Preprocessor.Settings(low, high, l2, threshold, resolution));
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    Files.write(out, Png.encode(map, null));
    System.out.println(out);
    return 0;
  }
}
