package org.altdiffusion.pipeline;

import java.nio.file.Path;
import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Precision;

/**
 * How a model is read ({@link PipelineLoader#components(Path, SingleFileOptions)}): where its
 * weights go, and how a single-file checkpoint is interpreted.
 *
 * @param config an original LDM {@code v1-inference.yaml}-style config overriding what is read from
 *     the weights (attention heads, scale factor, schedule, parameterization), checked against the
 *     weights; null for none
 * @param predictionType {@code epsilon}, {@code v_prediction} or {@code sample} overriding the
 *     inferred one; null to infer (v-prediction for SD 2.x 768 models, as diffusers)
 * @param noEma read the training weights even when the file has EMA weights ({@code model_ema.})
 * @param tokenizer a tokenizer folder, or a diffusers model folder whose tokenizer to use; null to
 *     search {@code tokenizerSearch}
 * @param tokenizerSearch diffusers model folders whose tokenizer is taken when their text encoder
 *     is of the same kind with the same vocabulary size (e.g. the built-in models); a folder named
 *     {@code tokenizer} next to the file is tried first
 * @param device where the weights (and so the generation's or training's tensors) live, checked
 *     when the model loads; null = the CPU
 * @param precision the weights' type ({@code --dtype}); null = float32, as the files hold them
 */
public record SingleFileOptions(
    Path config,
    String predictionType,
    boolean noEma,
    Path tokenizer,
    List<Path> tokenizerSearch,
    ComputeDevice device,
    Precision precision) {

  /** In float32. */
  public SingleFileOptions(
      Path config,
      String predictionType,
      boolean noEma,
      Path tokenizer,
      List<Path> tokenizerSearch,
      ComputeDevice device) {
    this(config, predictionType, noEma, tokenizer, tokenizerSearch, device, Precision.FLOAT32);
  }

  /** On the CPU. */
  public SingleFileOptions(
      Path config,
      String predictionType,
      boolean noEma,
      Path tokenizer,
      List<Path> tokenizerSearch) {
    this(config, predictionType, noEma, tokenizer, tokenizerSearch, ComputeDevice.CPU);
  }

  public SingleFileOptions {
    tokenizerSearch = tokenizerSearch == null ? List.of() : List.copyOf(tokenizerSearch);
    device = device == null ? ComputeDevice.CPU : device;
    precision = precision == null ? Precision.FLOAT32 : precision;
    if (predictionType != null
        && !List.of("epsilon", "v_prediction", "sample").contains(predictionType))
      throw new IllegalArgumentException(
          "prediction type '"
              + predictionType
              + "' unknown; accepted: epsilon, v_prediction, sample");
  }

  /** The same options with the weights on {@code device}. */
  public SingleFileOptions withDevice(ComputeDevice device) {
    return new SingleFileOptions(
        config, predictionType, noEma, tokenizer, tokenizerSearch, device, precision);
  }

  /** The same options with the weights in {@code precision} ({@code auto}: decided per model). */
  public SingleFileOptions withPrecision(Precision precision) {
    return new SingleFileOptions(
        config, predictionType, noEma, tokenizer, tokenizerSearch, device, precision);
  }

  /** Everything inferred, no tokenizer search, on the CPU. */
  public static SingleFileOptions defaults() {
    return new SingleFileOptions(null, null, false, null, List.of());
  }
}
