package org.altdiffusion.app;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.eval.BenchmarkPrompts;
import org.altdiffusion.eval.BenchmarkReport;
import org.altdiffusion.eval.BenchmarkRunner;
import org.altdiffusion.eval.BenchmarkSettings;
import org.altdiffusion.eval.ContrastiveClipScorer;
import org.altdiffusion.eval.FidFeatures;
import org.altdiffusion.eval.ImageTextScorer;
import org.altdiffusion.eval.Shard;
import org.altdiffusion.image.Pixels;
import org.altdiffusion.models.inception.FidInceptionV3;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.tiny.eval.MultilingualClip;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code altdiffusion benchmark}: the paper's MG-18 / MC-18 protocol over a prompts file. */
@Command(
    name = "benchmark",
    sortOptions = false,
    subcommands = {BenchmarkCommand.Report.class},
    description = {
      "Generate and CLIP-score one picture per prompt of a benchmark (TSV with the header"
          + " id<TAB>language<TAB>prompt, or JSONL) with the AltDiffusion paper's protocol: DDIM,"
          + " 50 steps, eta 0, guidance 9, 512x512, seed 54551 for every prompt (every setting"
          + " can be changed). Pictures go to OUT/images, scores to OUT/parts; run with --shard"
          + " I/N on N processes or machines into one shared OUT, then `benchmark report OUT`."
          + " Pictures already in OUT are reused when their infotext shows the same parameters."
    })
final class BenchmarkCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--prompts", paramLabel = "FILE", description = "Prompts file (.tsv or .jsonl).")
  Path prompts;

  @Option(names = "--out", paramLabel = "DIR", description = "The shared benchmark folder.")
  Path out;

  @Option(
      names = "--shard",
      defaultValue = "0/1",
      paramLabel = "I/N",
      description = "This process's part, 0-based. Default ${DEFAULT-VALUE}.")
  String shard;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "The model (diffusers layout). Default: the built-in models/altdiffusion-tiny.")
  Path model;

  @Option(
      names = "--clip",
      paramLabel = "DIR",
      description =
          "The CLIP scorer: an AltCLIP or CLIP transformers folder (e.g. BAAI/AltCLIP-m18)."
              + " Default: the built-in multilingual CLIP (teacher + student).")
  Path clip;

  @Option(
      names = "--steps",
      defaultValue = "50",
      description = "Sampler steps. Default ${DEFAULT-VALUE}.")
  int steps;

  @Option(
      names = "--sampler",
      defaultValue = "DDIM",
      description = "Sampler. Default ${DEFAULT-VALUE}.")
  String sampler;

  @Option(names = "--eta", defaultValue = "0", description = "DDIM eta. Default ${DEFAULT-VALUE}.")
  double eta;

  @Option(
      names = "--guidance",
      defaultValue = "9",
      description = "Guidance scale. Default ${DEFAULT-VALUE}.")
  double guidance;

  @Option(
      names = "--size",
      paramLabel = "WxH",
      description =
          "Picture size. Default 512x512; the built-in model's own size (64x64) when --model is not"
              + " given.")
  String size;

  @Option(
      names = "--seed",
      defaultValue = "54551",
      description = "The seed of every picture. Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--negative-prompt",
      defaultValue = "",
      description = "Negative prompt. Default none.")
  String negativePrompt;

  @Override
  public Integer call() {
    device.resolve(); // a missing GPU fails before anything starts
    if (prompts == null || out == null) {
      throw new IllegalArgumentException(
          "benchmark needs --prompts FILE and --out DIR (or: benchmark report DIR)");
    }
    Shard part = Shard.parse(shard);
    List<BenchmarkPrompts.Prompt> list = BenchmarkPrompts.read(prompts);
    Path modelFolder = model != null ? model : BuiltInModel.folder();
    System.err.println("threads: " + Torch.init());
    DiffusionPipeline pipeline = device.load(modelFolder);
    int[] wh = size(pipeline);
    var settings =
        new BenchmarkSettings(sampler, steps, eta, guidance, wh[0], wh[1], seed, negativePrompt);
    ImageTextScorer scorer =
        clip != null ? ContrastiveClipScorer.load(clip) : builtInScorer(modelFolder);
    var summary =
        BenchmarkRunner.run(pipeline, scorer, list, part, settings, out, System.err::println);
    System.out.printf(
        "part %s: %d prompts, %d generated, %d reused -> %s%n",
        shard,
        summary.prompts(),
        summary.generated(),
        summary.reused(),
        out.resolve("parts").resolve(part.partName()));
    return 0;
  }

  private int[] size(DiffusionPipeline pipeline) {
    if (size == null) {
      int side = model == null ? pipeline.defaultSize() : BenchmarkSettings.PAPER.width();
      return new int[] {side, side};
    }
    String[] p = size.toLowerCase(java.util.Locale.ROOT).split("x", -1);
    try {
      if (p.length == 2) return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--size '" + size + "': expected WxH, e.g. 512x512");
  }

  /**
   * The built-in multilingual CLIP: the teacher's image tower and the model's student text tower.
   */
  private static ImageTextScorer builtInScorer(Path modelFolder) {
    MultilingualClip clip =
        MultilingualClip.load(BuiltInModel.shipped(BuiltInModel.TEACHER_CLIP), modelFolder);
    return new ImageTextScorer() {
      @Override
      public double[] scores(List<BufferedImage> images, List<String> captions) {
        int side = 64;
        float[] pixels = new float[images.size() * 3 * side * side];
        for (int i = 0; i < images.size(); i++) {
          BufferedImage img = images.get(i);
          if (img.getWidth() != side || img.getHeight() != side) {
            throw new IllegalArgumentException(
                "the built-in CLIP scores 64x64 pictures, got "
                    + img.getWidth()
                    + "x"
                    + img.getHeight()
                    + " (use --clip DIR)");
          }
          Pixels.normalized(
              img.getRGB(0, 0, side, side, null, 0, side), pixels, i * 3 * side * side);
        }
        return clip.scores(pixels, captions);
      }

      @Override
      public String name() {
        return "the built-in multilingual CLIP (teacher image tower + student text tower)";
      }
    };
  }

  /** {@code altdiffusion benchmark report DIR}. */
  @Command(
      name = "report",
      sortOptions = false,
      description = {
        "Merge the parts of a benchmark folder into DIR/report.md: a row per language (CLIP score,"
            + " FID and IS with --inception, counts), DIR/clip-score.png and"
            + " DIR/grid-<language>.png."
      })
  static final class Report implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "The benchmark folder.")
    Path dir;

    @Option(
        names = "--inception",
        paramLabel = "FILE",
        description =
            "pytorch-fid's pt_inception-2015-12-05-6726825d.pth: adds IS, and FID with"
                + " --fid-reference.")
    Path inception;

    @Option(
        names = "--fid-reference",
        paramLabel = "DIR_OR_NPZ",
        description =
            "Reference pictures (a folder; unreadable files are skipped and counted) or pytorch-fid"
                + " statistics (.npz, 2048-d). Needs --inception.")
    Path fidReference;

    @Override
    public Integer call() throws Exception {
      if (fidReference != null && inception == null)
        throw new IllegalArgumentException(
            "--fid-reference needs --inception FILE (the FID network's weights)");
      if (!Files.isDirectory(dir))
        throw new IllegalArgumentException(dir + ": no such benchmark folder");
      FidInceptionV3 net = null;
      FidFeatures.Reference reference = null;
      if (inception != null) {
        Torch.init();
        net = FidInceptionV3.load(inception);
        if (fidReference != null) reference = FidFeatures.reference(net, fidReference);
      }
      BenchmarkReport.write(dir, net, reference);
      System.out.print(Files.readString(dir.resolve("report.md")));
      return 0;
    }
  }
}
