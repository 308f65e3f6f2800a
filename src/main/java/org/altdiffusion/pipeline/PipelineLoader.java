package org.altdiffusion.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.io.CheckpointException;
import org.altdiffusion.io.DiffusersLayout;
import org.altdiffusion.models.text.ClipTextModel;
import org.altdiffusion.models.text.RobertaSeriesModelWithTransformation;
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
    "StableDiffusionImg2ImgPipeline"
  };

  static final String[] TEXT_ENCODERS = {"RobertaSeriesModelWithTransformation", "CLIPTextModel"};

  private PipelineLoader() {}

  /** Loads the pipeline in {@code folder}; every problem names the file and what is wrong. */
  public static DiffusionPipeline load(Path folder) {
    if (!Files.isDirectory(folder)) throw new CheckpointException(folder, "model folder not found");
    Torch.init();
    DiffusersLayout layout = DiffusersLayout.open(folder);
    layout.requirePipeline(PIPELINES);
    String encoderClass = layout.component("text_encoder", TEXT_ENCODERS).className();
    layout.component("unet", "UNet2DConditionModel");
    layout.component("vae", "AutoencoderKL");
    PromptTokenizer tokenizer = PromptTokenizer.load(layout, "tokenizer");
    SchedulerConfig scheduler = SchedulerConfig.parse(layout.config("scheduler"));
    TextEncoder textEncoder;
    boolean useMask;
    if (encoderClass.equals("RobertaSeriesModelWithTransformation")) {
      var encoder =
          RobertaSeriesModelWithTransformation.fromPretrained(
              layout.componentFolder("text_encoder"));
      textEncoder = encoder;
      useMask = encoder.config.useAttentionMask();
    } else {
      textEncoder = ClipTextModel.fromPretrained(layout.componentFolder("text_encoder"));
      useMask =
          false; // Stable Diffusion passes no mask to CLIP (its config has no use_attention_mask)
    }
    UNet2DConditionModel unet = UNet2DConditionModel.fromPretrained(layout.componentFolder("unet"));
    AutoencoderKL vae = AutoencoderKL.fromPretrained(layout.componentFolder("vae"));
    if (unet.config.crossAttentionDim() != textEncoder.hiddenSize()) {
      throw new CheckpointException(
          folder,
          "the text encoder gives vectors of width "
              + textEncoder.hiddenSize()
              + " but the UNet's cross_attention_dim is "
              + unet.config.crossAttentionDim());
    }
    String name = folder.toAbsolutePath().normalize().getFileName().toString();
    return new DiffusionPipeline(
        new DiffusionPipeline.Components(
            name, tokenizer, textEncoder, useMask, unet, vae, scheduler));
  }
}
