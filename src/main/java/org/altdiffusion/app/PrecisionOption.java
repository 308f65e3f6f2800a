package org.altdiffusion.app;

import org.altdiffusion.engine.Precision;
import picocli.CommandLine.Option;

/** {@code --dtype}: the type the models' weights and work use (the generation commands). */
final class PrecisionOption {
  @Option(
      names = "--dtype",
      paramLabel = "DTYPE",
      description =
          "float32, bfloat16, float16 or auto (default: auto = float16 on a GPU; bfloat16 for"
              + " SD-sized models on a CPU with bfloat16 instructions (AVX512-BF16 or AMX);"
              + " float32 elsewhere, the built-in model included). Sampler arithmetic and guidance"
              + " stay float32; noise is drawn in the models' type as diffusers does, so a seed"
              + " gives another picture in each type; the VAE stays float32 under float16 when"
              + " its config says force_upcast.")
  String dtype = "auto";

  @Option(
      names = "--float32-noise",
      description =
          "Draw the noise in float32 whatever --dtype (AUTOMATIC1111's way): a bfloat16 model then"
              + " starts from the float32 model's noise for the same seed. Default: in the models'"
              + " type, as diffusers draws it.")
  boolean float32Noise;

  /** {@code pipeline} with the noise drawn as asked. */
  org.altdiffusion.pipeline.DiffusionPipeline apply(
      org.altdiffusion.pipeline.DiffusionPipeline pipeline) {
    return float32Noise ? pipeline.withFloat32Noise(true) : pipeline;
  }

  /** The precision asked for ({@code auto} is decided per model when it loads). */
  Precision resolve() {
    return Precision.parse(dtype);
  }
}
