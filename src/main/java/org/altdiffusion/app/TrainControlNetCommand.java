package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.image.control.Preprocessor;
import org.altdiffusion.models.controlnet.ControlNetModel;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.pipeline.ModelComponents;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.schedulers.NoiseSchedule;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tiny.recipe.ShapesTrainingData;
import org.altdiffusion.train.Trainer;
import org.altdiffusion.train.data.Dataset;
import org.altdiffusion.train.data.ImageText;
import org.altdiffusion.train.data.ImageTextSources;
import org.altdiffusion.train.data.MetadataFilter;
import org.altdiffusion.train.distributed.Distributed;
import org.altdiffusion.train.tasks.ControlConditioning;
import org.altdiffusion.train.tasks.ControlNetTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code altdiffusion train-controlnet}: diffusers' train_controlnet recipe on our loop. */
@Command(
    name = "train-controlnet",
    sortOptions = false,
    description = {
      "Train a ControlNet for an AltDiffusion model (diffusers' train_controlnet recipe): the"
          + " ControlNet starts as a copy of the UNet's encoder (conv_in, time embedding, down"
          + " and mid blocks) with zero convolutions, or from --controlnet; UNet, VAE and text"
          + " encoder stay frozen; loss: MSE of the UNet's noise (or velocity) prediction with the"
          + " ControlNet's residuals added.",
      "Conditioning images (--conditioning): made from each training picture by a preprocessor"
          + " (canny, scribble, invert), or read from a folder where each has the training"
          + " picture's file name. Data (--data) as train-unet.",
      "Writes OUT/final (a diffusers ControlNet folder: config.json and"
          + " diffusion_pytorch_model.safetensors, for generate --controlnet), OUT/final-ema,"
          + " OUT/checkpoints, OUT/log.jsonl and OUT/loss.png."
    })
final class TrainControlNetCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description =
          "diffusers AltDiffusion folder: unet/, vae/, text_encoder/, tokenizer/, scheduler/.")
  Path model;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "SPEC",
      description = "Training data (as train-unet).")
  String data;

  @Option(
      names = "--conditioning",
      required = true,
      paramLabel = "canny|scribble|invert|DIR",
      description =
          "A preprocessor applied to each training picture, or a folder of conditioning images.")
  String conditioning;

  @Option(names = "--canny-low", defaultValue = "100", description = "Default ${DEFAULT-VALUE}.")
  double cannyLow;

  @Option(names = "--canny-high", defaultValue = "200", description = "Default ${DEFAULT-VALUE}.")
  double cannyHigh;

  @Option(
      names = "--scribble-threshold",
      defaultValue = "127",
      description = "Default ${DEFAULT-VALUE}.")
  int scribbleThreshold;

  @Option(
      names = "--controlnet",
      paramLabel = "DIR_OR_FILE",
      description = "Start from this ControlNet instead of the UNet's encoder.")
  Path initial;

  @Option(
      names = "--resolution",
      defaultValue = "512",
      description = "Square training size in pixels. Default ${DEFAULT-VALUE}.")
  int resolution;

  @Option(
      names = "--caption-dropout",
      defaultValue = "0",
      description =
          "Probability of replacing a caption by the empty text (diffusers'"
              + " proportion_empty_prompts). Default ${DEFAULT-VALUE}.")
  double captionDropout;

  @Option(
      names = "--max-length",
      description = "Tokens per caption. Default: the tokenizer's model_max_length.")
  Integer maxLength;

  @Mixin TrainingOptions training;
  @Mixin DistributedOptions distributed;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    training.device.resolve(); // a missing GPU fails before anything starts
    training.mixedPrecision(); // as does an unknown --mixed-precision
    Integer launched = distributed.launchIfAsked(spec);
    if (launched != null) return launched;
    Torch.init();
    var config = training.config();
    ControlConditioning source = conditioningSource();
    for (String sub : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) {
      if (!Files.isDirectory(model.resolve(sub)))
        throw new IllegalArgumentException(
            model + " is not an AltDiffusion folder: " + sub + "/ is missing");
    }
    ComputeDevice device = distributed.deviceOf(training.device);
    ModelComponents components = PipelineLoader.components(model).to(device);
    UNet2DConditionModel unet = components.unet();
    AutoencoderKL vae = components.vae();
    if (resolution % vae.downscaleFactor() != 0)
      throw new IllegalArgumentException(
          "--resolution "
              + resolution
              + " must be a multiple of the VAE's downscale factor "
              + vae.downscaleFactor());
    ControlNetModel controlnet =
        initial != null
            ? ControlNetModel.load(initial)
            : ControlNetModel.fromUnet(
                unet,
                3,
                embeddingChannels(vae.downscaleFactor()),
                Tensors.generator(config.seed()));
    if (initial != null) controlnet.checkFits(unet.config, initial.toString(), model.toString());
    controlnet.moveTo(device);
    TextConditioning text = components.text();
    int length =
        maxLength != null ? maxLength : Math.min(text.maxLength(), text.encoder().maxTokens());
    SchedulerConfig scheduler = components.scheduler();
    List<String> problems = new ArrayList<>();
    Dataset<ImageText> images =
        ImageTextSources.open(
            data,
            resolution,
            new MetadataFilter(new HashSet<>(), Double.NaN, 0),
            problems,
            List.of(ShapesTrainingData.SOURCE));
    for (String p : problems) System.err.println("warning: " + p);
    ObjectNode sources = new ObjectMapper().createObjectNode();
    sources.put("model", model.toAbsolutePath().normalize().toString());
    sources.put("data", data);
    sources.put("resolution", resolution);
    sources.put("max_length", length);
    sources.put("controlnet", initial == null ? "from_unet" : initial.toAbsolutePath().toString());
    var task =
        new ControlNetTraining(
            controlnet,
            unet,
            vae,
            text,
            length,
            NoiseSchedule.of(scheduler),
            scheduler.predictionType(),
            captionDropout,
            source,
            images,
            sources);
    try (Distributed dist = distributed.connect(config.batchSize(), device)) {
      Files.createDirectories(training.out);
      if (dist.isMain())
        System.err.printf(
            Locale.ROOT,
            "train-controlnet: %s; conditioning %s; %d ControlNet weights; %dx%d; %s; world size"
                + " %d%n",
            images.describe(),
            source.describe(),
            controlnet.parameterCount(),
            resolution,
            resolution,
            scheduler.predictionType(),
            dist.worldSize());
      Trainer.Result r = new Trainer<>(config, task, dist, training.trainerOptions()).run();
      if (dist.isMain())
        System.out.printf(
            Locale.ROOT,
            "trained %d steps: loss %.6f -> %.6f; %d steps skipped; examples skipped %s; output in"
                + " %s%n",
            r.steps(),
            r.firstLoss(),
            r.lastLoss(),
            r.skippedSteps(),
            r.skippedSamples(),
            training.out);
    }
    return 0;
  }

  private ControlConditioning conditioningSource() {
    String name = conditioning.trim().toLowerCase(Locale.ROOT);
    if (List.of("canny", "scribble", "invert").contains(name))
      return ControlConditioning.preprocessed(
          Preprocessor.of(name),
          new Preprocessor.Settings(cannyLow, cannyHigh, false, scribbleThreshold));
    return ControlConditioning.folder(Path.of(conditioning));
  }

  /**
   * diffusers' default conditioning embedding (16, 32, 96, 256) for an 8x VAE; for another factor
   * 2^k, the first k + 1 of (16, 32, 96, 256, 256, ...), so that the control image reaches the
   * latents' size.
   */
  static List<Integer> embeddingChannels(int vaeFactor) {
    if (Integer.bitCount(vaeFactor) != 1)
      throw new IllegalArgumentException(
          "the VAE's downscale factor " + vaeFactor + " is not a power of two");
    int n = Integer.numberOfTrailingZeros(vaeFactor) + 1;
    List<Integer> out = new ArrayList<>();
    int[] base = {16, 32, 96, 256};
    for (int i = 0; i < n; i++) out.add(base[Math.min(i, base.length - 1)]);
    return out;
  }
}
