package org.altdiffusion.server;

import java.nio.file.Path;
import org.altdiffusion.pipeline.ImageGenerator;

/**
 * Turns a model found in the models folder into a generator: the seam between the server and the
 * diffusion pipeline ({@code ServeCommand.pipelineLoader()}); tests substitute their own.
 */
@FunctionalInterface
public interface ModelLoader {
  /**
   * @param location a diffusers folder or a single checkpoint file inside the models folder
   * @param name the model's name as listed (folder or file name)
   */
  ImageGenerator load(Path location, String name) throws Exception;
}
