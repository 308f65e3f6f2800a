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
import org.altdiffusion.engine.Torch;
import org.altdiffusion.lora.LoraNetwork;
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
import org.altdiffusion.train.tasks.DiffusionTraining;
import org.altdiffusion.train.tasks.LatentCache;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code altdiffusion train-unet --stage concept-alignment|quality}: step 2 of the recipe. */
@Command(
    name = "train-unet",
    sortOptions = false,
    description = {
      "Train the UNet of an AltDiffusion model on image-text pairs. --stage concept-alignment:"
          + " everything frozen but the UNet's cross-attention key/value projections (attn2.to_k,"
          + " attn2.to_v), lower resolution (default 256); --stage quality: every UNet parameter,"
          + " full resolution (default 512).",
      "Loss: MSE to the noise (epsilon) or to the velocity (v_prediction), as the scheduler config"
          + " says; random timesteps; captions dropped to the empty text with --caption-dropout.",
      "Data (--data): WebDataset shards DIR/{00000..00009}.tar (img2dataset: key.jpg|png|webp,"
          + " key.txt, key.json), a .tar, a folder of shards, a folder of images with .txt"
          + " captions, a .jsonl of {\"image\": path, \"text\": ...},"
          + " shapes[:SEED[:PARTIAL[:PICTURES]]] or shapes-striped[:SEED] (the demo LoRA's data).",
      "Writes OUT/final (a diffusers pipeline folder: the model's files with the new unet/; with"
          + " --lora-rank the two LoRA files), OUT/final-ema, OUT/checkpoints, OUT/log.jsonl and"
          + " OUT/loss.png."
    })
final class TrainUnetCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description =
          "diffusers AltDiffusion folder: unet/, vae/, text_encoder/, tokenizer/, scheduler/.")
  Path model;

  @Option(
      names = "--stage",
      description =
          "concept-alignment or quality (with --lora-rank it only sets the default resolution;"
              + " default quality there).")
  String stage;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "SPEC",
      description = "Training data (see above).")
  String data;

  @Option(
      names = "--resolution",
      description =
          "Square training size in pixels. Default: 256 (concept-alignment), 512 (quality).")
  Integer resolution;

  @Option(
      names = "--caption-dropout",
      defaultValue = "0.1",
      description =
          "Probability of replacing a caption by the empty text. Default ${DEFAULT-VALUE}.")
  double captionDropout;

  @Option(
      names = "--precision",
      defaultValue = "float32",
      description =
          "UNet weights, optimiser state and loss in float32 or float64 (float64 is slower; its"
              + " rounding lies far below the differences between kernels: for verifying runs)."
              + " Default ${DEFAULT-VALUE}.")
  String precision;

  @Option(
      names = "--snr-gamma",
      defaultValue = "0",
      description =
          "Min-SNR-gamma loss weighting (5 is the paper's value); 0 = plain MSE. Default"
              + " ${DEFAULT-VALUE}.")
  double snrGamma;

  @Option(
      names = "--languages",
      split = ",",
      description = "Keep pairs whose metadata language is one of these (e.g. en,zh,fr).")
  List<String> languages = new ArrayList<>();

  @Option(
      names = "--min-aesthetic",
      description = "Keep pairs whose metadata aesthetic score is at least this.")
  Double minAesthetic;

  @Option(
      names = "--min-size",
      defaultValue = "0",
      description =
          "Skip images whose shorter side is below this many pixels. Default ${DEFAULT-VALUE}.")
  int minSize;

  @Option(
      names = "--cache-latents",
      description =
          "Encode every image with the VAE once, keep the latent distributions"
              + " (OUT/latents.safetensors, reused by later runs).")
  boolean cacheLatents;

  @Option(
      names = "--max-length",
      description = "Tokens per caption. Default: the tokenizer's model_max_length.")
  Integer maxLength;

  @Option(
      names = "--lora-rank",
      paramLabel = "R",
      description =
          "Train a LoRA of rank R instead of UNet weights: the UNet frozen, factors A (PEFT's"
              + " kaiming-uniform init) and B (zero) on the --lora-targets layers, only they in"
              + " the optimiser (diffusers' train_text_to_image_lora). Writes OUT/final/NAME"
              + ".safetensors (kohya/A1111) and OUT/final/pytorch_lora_weights.safetensors"
              + " (diffusers/PEFT).")
  Integer loraRank;

  @Option(
      names = "--lora-alpha",
      paramLabel = "A",
      description = "LoRA alpha (the change is alpha/R * B A). Default: R.")
  Double loraAlpha;

  @Option(
      names = "--lora-targets",
      defaultValue = "attn",
      description =
          "attn: the attention projections to_q, to_k, to_v, to_out.0; attn+conv: also the"
              + " ResNet convolutions (LoCon). Default ${DEFAULT-VALUE}.")
  String loraTargets;

  @Option(
      names = "--lora-name",
      defaultValue = "lora",
      description = "The kohya file's name and ss_output_name. Default ${DEFAULT-VALUE}.")
  String loraName;

  @Mixin TrainingOptions training;
  @Mixin DistributedOptions distributed;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    training.device.resolve(); // a missing GPU fails before anything starts
    training.mixedPrecision(); // as does an unknown --mixed-precision
    Integer launched = distributed.launchIfAsked(spec);
    if (launched != null) return launched;
    if (!precision.equals("float32") && !precision.equals("float64")) {
      throw new IllegalArgumentException(
          "--precision '" + precision + "' is not known; accepted: float32, float64");
    }
    if (precision.equals("float64") && !training.mixedPrecision.equals("no"))
      throw new IllegalArgumentException(
          "--precision float64 widens the weights; --mixed-precision narrows the step: use one");
    if (stage == null && loraRank == null)
      throw new IllegalArgumentException(
          "--stage is required (concept-alignment or quality), or --lora-rank to train a LoRA");
    if (loraRank == null && (loraAlpha != null || !loraTargets.equals("attn")))
      throw new IllegalArgumentException("--lora-alpha and --lora-targets need --lora-rank");
    LoraNetwork.Targets targets = LoraNetwork.Targets.parse(loraTargets);
    Torch.init();
    var config = training.config();
    DiffusionTraining.Stage st =
        DiffusionTraining.Stage.parse(
            stage == null ? DiffusionTraining.Stage.QUALITY.key() : stage);
    int size =
        resolution != null
            ? resolution
            : st == DiffusionTraining.Stage.CONCEPT_ALIGNMENT ? 256 : 512;
    for (String sub : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) {
      if (!Files.isDirectory(model.resolve(sub)))
        throw new IllegalArgumentException(
            model + " is not an AltDiffusion folder: " + sub + "/ is missing");
    }
    ComputeDevice device = distributed.deviceOf(training.device);
    ModelComponents components = PipelineLoader.components(model).to(device);
    UNet2DConditionModel unet = components.unet();
    if (precision.equals("float64"))
      unet.castTo(org.bytedeco.pytorch.global.torch.ScalarType.Double);
    AutoencoderKL vae = components.vae();
    if (size % vae.downscaleFactor() != 0) {
      throw new IllegalArgumentException(
          "--resolution "
              + size
              + " must be a multiple of the VAE's downscale factor "
              + vae.downscaleFactor());
    }
    TextConditioning text = components.text();
    int length =
        maxLength != null ? maxLength : Math.min(text.maxLength(), text.encoder().maxTokens());
    SchedulerConfig scheduler = components.scheduler();
    MetadataFilter filter =
        new MetadataFilter(
            new HashSet<>(languages), minAesthetic == null ? Double.NaN : minAesthetic, minSize);
    List<String> problems = new ArrayList<>();
    Dataset<ImageText> images =
        ImageTextSources.open(
            data,
            size,
            filter,
            problems,
            List.of(ShapesTrainingData.SOURCE, ShapesTrainingData.STRIPED_SOURCE));
    for (String p : problems) System.err.println("warning: " + p);
    ObjectNode sources = new ObjectMapper().createObjectNode();
    sources.put("model", model.toAbsolutePath().normalize().toString());
    sources.put("data", data);
    sources.put("resolution", size);
    sources.put("max_length", length);
    sources.put("filter", filter.toString());
    try (Distributed dist = distributed.connect(config.batchSize(), device)) {
      Files.createDirectories(training.out);
      LatentCache cache =
          cacheLatents
              ? LatentCache.build(
                  images,
                  vae,
                  size,
                  Math.max(1, config.batchSize()),
                  training.out.resolve("latents.safetensors"),
                  dist.isMain())
              : null;
      var task =
          new DiffusionTraining(
              unet,
              vae,
              text,
              length,
              NoiseSchedule.of(scheduler),
              scheduler.predictionType(),
              st,
              captionDropout,
              snrGamma,
              images,
              cache,
              model,
              sources);
      LoraNetwork lora =
          loraRank == null
              ? null
              : LoraNetwork.create(
                  unet,
                  loraRank,
                  loraAlpha == null ? loraRank : loraAlpha,
                  targets,
                  org.altdiffusion.engine.Tensors.generator(config.seed()));
      if (lora != null) task.trainLora(lora, loraName);
      if (dist.isMain()) {
        System.err.printf(
            Locale.ROOT,
            "train-unet %s: %s; %d trained tensors (%d weights) of %d; %dx%d; %s; world size %d%n",
            task.kind(),
            images.describe(),
            task.trainable().size(),
            task.trainable().values().stream()
                .mapToLong(p -> org.altdiffusion.engine.Tensors.numel(p.shape()))
                .sum(),
            unet.namedParameters().size(),
            size,
            size,
            scheduler.predictionType(),
            dist.worldSize());
      }
      Trainer.Result r;
      try {
        r = new Trainer<>(config, task, dist, training.trainerOptions()).run();
      } finally {
        if (lora != null) lora.release();
      }
      if (dist.isMain()) {
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
    }
    return 0;
  }
}
