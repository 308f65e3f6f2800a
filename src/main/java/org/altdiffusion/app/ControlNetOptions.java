package org.altdiffusion.app;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.altdiffusion.image.Alpha;
import org.altdiffusion.image.ImageDecoder;
import org.altdiffusion.image.ImageLimits;
import org.altdiffusion.image.ResizeMode;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.image.control.ProcessorResolution;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.pipeline.ControlMode;
import org.altdiffusion.pipeline.ControlNetUnit;
import org.altdiffusion.pipeline.GenerationRequest;
import picocli.CommandLine.Option;

/**
 * The ControlNet options of {@code generate}: pairs of {@code --controlnet}/{@code
 * --control-image}, the preprocessor and the per-pair start/end (one value for all pairs or one per
 * pair).
 */
final class ControlNetOptions {
  @Option(
      names = "--controlnet",
      paramLabel = "DIR_OR_FILE[:SCALE]",
      description =
          "A ControlNet (diffusers folder, or original control_*.safetensors/.pth) with its"
              + " conditioning scale 0..2 (default 1). Repeatable, paired with --control-image.")
  List<String> nets = new ArrayList<>();

  @Option(
      names = "--control-image",
      paramLabel = "IMG",
      description = "The control image of the --controlnet at the same position. Repeatable.")
  List<Path> images = new ArrayList<>();

  @Option(
      names = "--control-preprocess",
      paramLabel = "NAME",
      description =
          "none (the image is the map), canny, scribble (black lines on white) or invert; once for"
              + " all pairs or once per pair (default none).")
  List<String> preprocess = new ArrayList<>();

  @Option(names = "--canny-low", defaultValue = "100", description = "Canny low threshold.")
  double cannyLow;

  @Option(names = "--canny-high", defaultValue = "200", description = "Canny high threshold.")
  double cannyHigh;

  @Option(
      names = "--scribble-threshold",
      defaultValue = "127",
      description = "scribble: gray values up to it become lines (default ${DEFAULT-VALUE}).")
  int scribbleThreshold;

  @Option(
      names = "--control-processor-res",
      paramLabel = "PX",
      description =
          "canny/scribble: first scale the picture's short side to PX as sd-webui-controlnet's"
              + " processor_res (OpenCV cubic/area, edges padded to 64); 0 = the picture's own"
              + " size (default); once for all pairs or once per pair.")
  List<Integer> processorRes = new ArrayList<>();

  @Option(
      names = "--control-mode",
      paramLabel = "MODE",
      description =
          "sd-webui-controlnet's control mode: balanced (default), prompt (\"My prompt is more"
              + " important\") or controlnet (\"ControlNet is more important\"); once or per pair.")
  List<String> modes = new ArrayList<>();

  @Option(
      names = "--control-start",
      paramLabel = "FRACTION",
      description = "Fraction of the steps after which the ControlNet acts (default 0); per pair.")
  List<Double> starts = new ArrayList<>();

  @Option(
      names = "--control-end",
      paramLabel = "FRACTION",
      description = "Fraction of the steps after which it stops (default 1); per pair.")
  List<Double> ends = new ArrayList<>();

  @Option(
      names = "--control-resize",
      defaultValue = "just-resize",
      description =
          "How a control image of another size is fitted: just-resize, crop-and-resize or"
              + " resize-and-fill (A1111's modes; default ${DEFAULT-VALUE}).")
  String resize;

  @Option(
      names = "--guess-mode",
      description = "diffusers' guess mode: the ControlNets act on the prompt's pass only.")
  boolean guessMode;

  /** One pair as parsed, before its model loads. */
  record Pair(
      Path net, double scale, BufferedImage map, double start, double end, ControlMode mode) {}

  /** Whether any ControlNet option was given. */
  boolean any() {
    return !nets.isEmpty() || !images.isEmpty();
  }

  /** The pairs with their preprocessed maps; every problem of the options an error. */
  List<Pair> pairs() throws IOException {
    if (nets.size() != images.size())
      throw new IllegalArgumentException(
          nets.size()
              + " --controlnet but "
              + images.size()
              + " --control-image: give one control image per ControlNet, in the same order");
    int n = nets.size();
    perPair("--control-preprocess", preprocess.size(), n);
    perPair("--control-start", starts.size(), n);
    perPair("--control-end", ends.size(), n);
    perPair("--control-processor-res", processorRes.size(), n);
    perPair("--control-mode", modes.size(), n);
    resizeMode(); // an unknown mode fails before anything loads
    Preprocessor.Settings settings =
        new Preprocessor.Settings(cannyLow, cannyHigh, false, scribbleThreshold);
    List<Pair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String[] netAndScale = splitScale(nets.get(i));
      Path net = Path.of(netAndScale[0]);
      if (!Files.exists(net))
        throw new IllegalArgumentException("--controlnet " + net + ": no such folder or file");
      double scale = Double.parseDouble(netAndScale[1]);
      double start = pick(starts, i, 0.0);
      double end = pick(ends, i, 1.0);
      checkRanges(nets.get(i), scale, start, end); // before any picture or model is read
      Preprocessor p = Preprocessor.of(pick(preprocess, i, "none"));
      ControlMode mode = ControlMode.of(pick(modes, i, "balanced"));
      int res = pick(processorRes, i, 0);
      if (res < 0 || res > ProcessorResolution.MAX)
        throw new IllegalArgumentException(
            "--control-processor-res "
                + res
                + ": accepted 1.."
                + ProcessorResolution.MAX
                + " (the extension's slider: 64..2048; pixel_perfect may pick less) or 0 (the"
                + " picture's own size)");
      BufferedImage map = p.apply(readImage(images.get(i)), settings.withResolution(res));
      out.add(new Pair(net, scale, map, start, end, mode));
    }
    return out;
  }

  /** The request's control part: each pair's model loaded; a size warning per differing image. */
  GenerationRequest.Control control(List<Pair> pairs, int width, int height, PrintStream err) {
    List<ControlNetUnit> units = new ArrayList<>();
    ResizeMode mode = resizeMode();
    for (Pair p : pairs) {
      BufferedImage m = p.map();
      if (m.getWidth() != width || m.getHeight() != height)
        err.printf(
            "warning: control image for %s is %dx%d; fitted to %dx%d by %s%n",
            p.net().getFileName(), m.getWidth(), m.getHeight(), width, height, resize);
      ControlNetModel model = ControlNetModel.load(p.net());
      units.add(
          new ControlNetUnit(
              p.net().getFileName().toString(),
              model,
              m,
              p.scale(),
              p.start(),
              p.end(),
              mode,
              p.mode()));
    }
    return new GenerationRequest.Control(units, guessMode);
  }

  private ResizeMode resizeMode() {
    return switch (resize.toLowerCase(Locale.ROOT)) {
      case "just-resize" -> ResizeMode.JUST_RESIZE;
      case "crop-and-resize" -> ResizeMode.CROP_AND_RESIZE;
      case "resize-and-fill" -> ResizeMode.RESIZE_AND_FILL;
      default ->
          throw new IllegalArgumentException(
              "--control-resize '"
                  + resize
                  + "': accepted: just-resize, crop-and-resize, resize-and-fill");
    };
  }

  /** "path[:scale]" -> {path, scale} (a tail with a slash is part of the path). */
  static String[] splitScale(String text) {
    int colon = text.lastIndexOf(':');
    String tail = colon < 0 ? "" : text.substring(colon + 1);
    if (colon <= 0 || tail.contains("/") || tail.contains("\\")) return new String[] {text, "1"};
    try {
      Double.parseDouble(tail.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--controlnet '" + text + "': the scale '" + tail + "' is not a number (0..2)");
    }
    return new String[] {text.substring(0, colon), tail.strip()};
  }

  private static void checkRanges(String net, double scale, double start, double end) {
    if (!(scale >= 0 && scale <= ControlNetUnit.MAX_SCALE))
      throw new IllegalArgumentException(
          "--controlnet " + net + ": scale must be between 0 and " + ControlNetUnit.MAX_SCALE);
    if (!(start >= 0 && start <= 1) || !(end >= 0 && end <= 1) || start >= end)
      throw new IllegalArgumentException(
          "--control-start "
              + start
              + " / --control-end "
              + end
              + ": each must be in 0..1 and start below end");
  }

  private static void perPair(String option, int given, int pairs) {
    if (given > 1 && given != pairs)
      throw new IllegalArgumentException(
          option
              + " given "
              + given
              + " times for "
              + pairs
              + " ControlNets: give it once or once per ControlNet");
  }

  private static <T> T pick(List<T> values, int i, T fallback) {
    if (values.isEmpty()) return fallback;
    return values.size() == 1 ? values.get(0) : values.get(i);
  }

  static BufferedImage readImage(Path file) throws IOException {
    if (!Files.isRegularFile(file))
      throw new IllegalArgumentException("--control-image " + file + ": no such file");
    if (Files.size(file) > 64L << 20)
      throw new IllegalArgumentException("--control-image " + file + ": larger than 64 MB");
    try {
      return Alpha.drop(ImageDecoder.decode(Files.readAllBytes(file), ImageLimits.UPLOADS));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--control-image " + file + ": " + e.getMessage());
    }
  }
}
