package org.altdiffusion.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.pipeline.ModelComponents;
import org.altdiffusion.pipeline.PipelineLoader;
import org.altdiffusion.pipeline.SingleFileOptions;
import org.altdiffusion.pipeline.VaeFiles;
import picocli.CommandLine.Option;

/** How a model is read: the single-file options and a standalone VAE (generate, serve, convert). */
final class ModelOptions {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Option(
      names = "--config",
      description =
          "An original LDM config (v1-inference.yaml style) for a single-file model: attention"
              + " heads, scale factor, schedule, parameterization; checked against the weights.")
  Path config;

  @Option(
      names = "--prediction-type",
      description =
          "epsilon, v_prediction or sample for a single-file model (default: inferred as"
              + " diffusers does: v_prediction for SD 2.x 768 models).")
  String predictionType;

  @Option(
      names = "--no-ema",
      description = "Read a single file's training weights, not its EMA weights (model_ema.*).")
  boolean noEma;

  @Option(
      names = "--tokenizer",
      description =
          "Tokenizer for a single-file model (a tokenizer folder or a diffusers model folder)."
              + " Default: a 'tokenizer' folder next to the file, else a shipped model whose text"
              + " encoder has the same kind and vocabulary size.")
  Path tokenizer;

  @Option(
      names = "--vae",
      description =
          "A standalone VAE: a .safetensors/.ckpt file in the LDM layout (e.g. the ft-MSE VAE)"
              + " or a diffusers vae folder, used instead of the model's own.")
  Path vae;

  /** The single-file options, searching the shipped models for a tokenizer. */
  SingleFileOptions singleFile() {
    List<Path> search = new ArrayList<>();
    for (String name : List.of(BuiltInModel.NAME, BuiltInModel.ENGLISH_BASE)) {
      Path folder = BuiltInModel.projectRoot().resolve("models").resolve(name);
      if (Files.isDirectory(folder)) search.add(folder);
    }
    return new SingleFileOptions(
        config, predictionType, noEma, tokenizer, search, device.resolve());
  }

  /** The model at {@code location} (a folder or a single file), with {@code --vae} applied. */
  ModelComponents load(Path location) {
    return load(location, Precision.FLOAT32);
  }

  /** As {@link #load(Path)}, the weights in {@code precision} ({@code --dtype}). */
  ModelComponents load(Path location, Precision precision) {
    SingleFileOptions options = singleFile().withPrecision(precision);
    ModelComponents m = PipelineLoader.components(location, options);
    return vae == null ? m : VaeFiles.withVae(m, vae).to(options.device()).in(precision);
  }
}
