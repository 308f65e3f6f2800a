package org.altdiffusion.app;

import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.VaeTiling;
import picocli.CommandLine.Option;

/** {@code --vae-tiling on|off|auto} (generate, serve). */
final class VaeTilingOption {
  @Option(
      names = "--vae-tiling",
      paramLabel = "on|off|auto",
      defaultValue = "auto",
      converter = Converter.class,
      description =
          "Decode/encode with the VAE tile by tile (diffusers' enable_vae_tiling: tiles of the"
              + " VAE's sample_size, blended borders), bounding its memory for big pictures."
              + " auto: only above 1024x1024 pixels or when the untiled decode would not fit in"
              + " the available memory. Default ${DEFAULT-VALUE}.")
  VaeTiling mode = VaeTiling.AUTO;

  DiffusionPipeline apply(DiffusionPipeline pipeline) {
    return pipeline.withVaeTiling(mode);
  }

  /** Parses with {@link VaeTiling#parse}, whose error names the accepted values. */
  static final class Converter implements picocli.CommandLine.ITypeConverter<VaeTiling> {
    @Override
    public VaeTiling convert(String value) {
      return VaeTiling.parse(value);
    }
  }
}
