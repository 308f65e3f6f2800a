package org.altdiffusion.pipeline;

import java.util.List;

/**
 * What the apps (CLI, HTTP server) need from a loaded model. Implemented by the diffusion pipeline;
 * not thread-safe for concurrent {@code generate} calls on one instance (the server queues them).
 */
public interface ImageGenerator {

  /**
   * Generates {@code request.batchSize()} images for one prompt: text-to-image, or image-to-image
   * when the request has an init image (then only the last {@link InitImage#stepsRun} of the steps
   * run, and the progress listener counts those).
   *
   * @throws IllegalArgumentException when the request is invalid, the init image's size is not the
   *     request's size, or the strength leaves no step to run
   */
  List<GeneratedImage> generate(GenerationRequest request, ProgressListener progress);

  /** A short name of the loaded model (folder name), as shown in infotext "Model: ...". */
  String modelName();

  /** Sampler names accepted in {@link GenerationRequest#sampler()}. */
  List<String> samplerNames();

  /**
   * The sampler name infotexts record for a request's sampler and schedule type ({@code null}
   * sampler: the model's own scheduler), e.g. "DPM++ 2M Karras".
   */
  String samplerDisplayName(String sampler, String schedule);

  /** Default image side in pixels (the UNet's sample size x 8). */
  int defaultSize();
}
