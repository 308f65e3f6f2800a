package org.altdiffusion.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.IntFunction;
import org.altdiffusion.nn.Parameter;
import org.altdiffusion.train.data.Batch;
import org.altdiffusion.train.data.Dataset;
import org.bytedeco.pytorch.Tensor;

/**
 * A task whose example k is "the recorded batch of reference step k": drives the real Trainer loop
 * on fixtures.
 */
final class FixtureStepTask implements TrainingTask<Integer> {
  private final Map<String, Parameter> trainable;
  private final IntFunction<Tensor> lossOfStep;
  private final int steps;

  FixtureStepTask(Map<String, Parameter> trainable, int steps, IntFunction<Tensor> lossOfStep) {
    this.trainable = trainable;
    this.steps = steps;
    this.lossOfStep = lossOfStep;
  }

  @Override
  public String kind() {
    return "fixture";
  }

  @Override
  public Map<String, Parameter> trainable() {
    return trainable;
  }

  @Override
  public Dataset<Integer> dataset() {
    return new Dataset<>() {
      @Override
      public int size() {
        return steps;
      }

      @Override
      public Integer get(int index) {
        return index;
      }

      @Override
      public String describe() {
        return "reference steps";
      }
    };
  }

  @Override
  public Tensor loss(Batch<Integer> batch, TrainingRandom random) {
    return lossOfStep.apply(batch.items().get(0));
  }

  @Override
  public ObjectNode fingerprint() {
    return new ObjectMapper().createObjectNode();
  }

  @Override
  public void export(Path dir, Map<String, Tensor> trained) {}

  /**
   * The reference recipe: AdamW lr 1e-3 constant, betas 0.9/0.999, eps 1e-8, wd 1e-2, clip 1.0, no
   * EMA, data in order.
   */
  static TrainConfig referenceConfig(int steps) {
    return new TrainConfig(
        steps,
        1,
        1,
        1e-3,
        "constant",
        0,
        0,
        new org.altdiffusion.train.optim.AdamWOptimizer.Settings(1e-3, 0.9, 0.999, 1e-8, 1e-2),
        1.0,
        0,
        0,
        false,
        NonFinitePolicy.STOP,
        0,
        1);
  }
}
