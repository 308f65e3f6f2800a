package org.altdiffusion.app;

import java.nio.file.Path;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Precision;
import org.altdiffusion.pipeline.DiffusionPipeline;
import org.altdiffusion.pipeline.PipelineLoader;
import picocli.CommandLine.Option;

/** {@code --device}: where the model's weights and all its work live (every model command). */
final class DeviceOption {
  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      description =
          "cpu, cuda, cuda:N or auto (default: auto = the first CUDA GPU when the CUDA natives are"
              + " installed and one is visible, else the CPU). Noise is drawn on the CPU either"
              + " way, so a seed gives the same picture on every device.")
  String device = "auto";

  /** The pipeline folder {@code folder} with its weights on the device asked for. */
  DiffusionPipeline load(Path folder) {
    return load(folder, Precision.FLOAT32);
  }

  /** As {@link #load(Path)}, the weights in {@code precision} ({@code --dtype}). */
  DiffusionPipeline load(Path folder, Precision precision) {
    return new DiffusionPipeline(PipelineLoader.components(folder).to(resolve()).in(precision));
  }

  /** The device asked for, checked: a missing GPU or missing CUDA natives fail here. */
  ComputeDevice resolve() {
    return ComputeDevice.parse(device);
  }
}
