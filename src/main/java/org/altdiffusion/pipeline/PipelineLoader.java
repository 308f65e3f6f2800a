package org.altdiffusion.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
import org.altdiffusion.models.text.TextConditioning;
import org.altdiffusion.models.text.TextEncoder;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.schedulers.SchedulerConfig;
import org.altdiffusion.tokenizer.PromptTokenizer;

/**
 * Loads a diffusers pipeline folder (BAAI's AltDiffusion m9/m18, Stable Diffusion 1.x/2.x, or our
 * own models) into a {@link DiffusionPipeline}: {@code model_index.json} names the classes, each
 * component folder holds its config and weights (safetensors, pickled .bin, or sharded).
 */
public final class PipelineLoader {
  /** Pipeline classes whose folders we can run. */
  static final String[] PIPELINES = {
    "AltDiffusionPipeline",
    "AltDiffusionImg2ImgPipeline",
    "StableDiffusionPipeline",
    "StableDiffusionImg2ImgPipeline",
    "StableDiffusionInpaintPipeline"
  };

  static final String[] TEXT_ENCODERS = {"RobertaSeriesModelWithTransformation", "CLIPTextModel"};

  private PipelineLoader() {}

  /** Loads the pipeline in {@code folder}; every problem names the file and what is wrong. */
  public static DiffusionPipeline load(Path folder) {
    return new DiffusionPipeline(components(folder));
  }

  /**
   * The components of the diffusers pipeline folder {@code folder}, checked to fit together: the
   * one way generation, serving, training and evaluation read a model folder.
   */
  public static ModelComponents components(Path folder) {
    if (!Files.isDirectory(folder)) throw new CheckpointException(folder, "model folder not found");
    Torch.init();
    DiffusersLayout layout = DiffusersLayout.open(folder);
    layout.requirePipeline(PIPELINES);
    String encoderClass = layout.component("text_encoder", TEXT_ENCODERS).className();
    layout.component("unet", "UNet2DConditionModel");
    layout.component("vae", "AutoencoderKL");
    SchedulerConfig scheduler = SchedulerConfig.parse(layout.config("scheduler"));
    TextConditioning text = text(layout, encoderClass);
    TextEncoder textEncoder = text.encoder();
    UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(layout.componentFolder("unet"));
    AutoencoderKL vae = AutoencoderKL.fromPretrained(layout.componentFolder("vae"));
    check(folder, textEncoder, unet, vae);
    String name = folder.toAbsolutePath().normalize().getFileName().toString();
    return new ModelComponents(name, text, unet, vae, scheduler);
  }

  /**
   * The components of {@code model}: a diffusers pipeline folder ({@link #components(Path)}) or an
   * LDM single-file checkpoint ({@code .safetensors}, {@code .ckpt}) read as {@code options} say,
   * its weights on {@code options.device()} in {@code options.precision()}.
   */
  public static ModelComponents components(Path model, SingleFileOptions options) {
    options.device().check(); // before any weight is read
    if (Files.isDirectory(model))
      return components(model).to(options.device()).in(options.precision());
    if (!Files.isRegularFile(model))
      throw new CheckpointException(
          model,
          "model not found: expected a diffusers model folder (with model_index.json) or a"
              + " single .safetensors/.ckpt checkpoint file");
    Torch.init();
    return SingleFileLoader.components(model, options).to(options.device()).in(options.precision());
  }

  /** That the text encoder, UNet and VAE of {@code where} fit together. */
  static void check(
      Path where, TextEncoder textEncoder, UNet2DConditionModel unet, AutoencoderKL vae) {
    if (unet.config.crossAttentionDim() != textEncoder.hiddenSize()) {
      throw new CheckpointException(
          where,
          "the text encoder gives vectors of width "
              + textEncoder.hiddenSize()
              + " but the UNet's cross_attention_dim is "
              + unet.config.crossAttentionDim());
    }
    if (unet.config.outChannels() != vae.config.latentChannels()) {
      throw new CheckpointException(
          where,
          "the UNet predicts "
              + unet.config.outChannels()
              + " channels but the VAE's latents have "
              + vae.config.latentChannels()
              + " (latent_channels)");
    }
  }

  /**
   * Only the tokenizer and text encoder of the pipeline folder {@code folder} (for scoring text
   * against pictures without loading the UNet and VAE).
   */
  public static TextConditioning text(Path folder) {
    if (!Files.isDirectory(folder)) throw new CheckpointException(folder, "model folder not found");
    Torch.init();
    DiffusersLayout layout = DiffusersLayout.open(folder);
    layout.requirePipeline(PIPELINES);
    return text(layout, layout.component("text_encoder", TEXT_ENCODERS).className());
  }

  private static TextConditioning text(DiffusersLayout layout, String encoderClass) {
    PromptTokenizer tokenizer = PromptTokenizer.load(layout, "tokenizer");
    Path textFolder = layout.componentFolder("text_encoder");
    TextEncoder encoder =
        encoderClass.equals("RobertaSeriesModelWithTransformation")
            ? RobertaSeriesModelWithTransformation.fromPretrained(textFolder)
            : ClipTextModel.fromPretrained(textFolder);
    return TextConditioning.of(tokenizer, encoder);
  }
}
