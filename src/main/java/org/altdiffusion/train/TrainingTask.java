package org.altdiffusion.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.train.data.Batch;
import org.altdiffusion.train.data.Dataset;
import org.bytedeco.pytorch.Tensor;

/**
 * What a {@link Trainer} trains: the parameters, the data and the loss. Implementations:
 * text-encoder distillation, the two UNet stages, the VAE and ControlNet training.
 */
public interface TrainingTask<T> {
  /** Short name recorded in checkpoints ("text-encoder", "unet-concept-alignment", ...). */
  String kind();

  /** The parameters the optimiser updates, by checkpoint key, in a fixed order. */
  Map<String, Parameter> trainable();

  Dataset<T> dataset();

  /**
   * The mean loss over this process's examples of one micro-batch, with the graph to the trainable
   * parameters. Random draws are made for the whole global batch through {@code random} (see {@link
   * Batch}).
   */
  Tensor loss(Batch<T> batch, TrainingRandom random);

  /**
   * Task settings that decide the trajectory (model sources, loss, resolution, ...), compared on
   * resume.
   */
  ObjectNode fingerprint();

  /**
   * Writes a loadable model folder to {@code dir} (diffusers / transformers layout: config.json and
   * safetensors) in which the trained parameters take the values of {@code trained}.
   */
  void export(Path dir, Map<String, Tensor> trained) throws IOException;
}
