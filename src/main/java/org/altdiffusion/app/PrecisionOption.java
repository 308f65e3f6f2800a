package org.altdiffusion.app;

import org.altdiffusion.engine.Precision;
import picocli.CommandLine.Option;

/** {@code --dtype}: the type the models' weights and work use (the generation commands). */
final class PrecisionOption {
  @Option(
      names = "--dtype",
      paramLabel = "DTYPE",
      description =
          "float32, bfloat16, float16 or auto (default: auto = float16 on a GPU; bfloat16 on a"
              + " CPU with AMX for SD-sized models; float32 elsewhere, the built-in model"
              + " included). Sampler arithmetic, noise and guidance stay float32; the VAE stays"
              + " float32 under float16 when its config says force_upcast.")
  String dtype = "auto";

  /** The precision asked for ({@code auto} is decided per model when it loads). */
  Precision resolve() {
    return Precision.parse(dtype);
  }
}
