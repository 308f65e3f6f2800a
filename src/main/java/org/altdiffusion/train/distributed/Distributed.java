package org.altdiffusion.train.distributed;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * The collective operations data-parallel training needs: every process computes gradients on its
 * share of the global batch, then all of them average the gradients so that each applies the same
 * update. {@link #single()} is the one-process case (every operation is the identity).
 */
public interface Distributed extends AutoCloseable {
  int rank();

  int worldSize();

  default boolean isMain() {
    return rank() == 0;
  }

  /** Replaces each tensor by the mean of that tensor over all processes (in place). */
  void allReduceMean(List<Tensor> tensors);

  /** Sum of {@code value} over all processes. */
  double allReduceSum(double value);

  /** Every process's {@code values} (same length everywhere), rank after rank. */
  long[][] allGather(long[] values);

  /** Overwrites each tensor with rank 0's values. */
  void broadcastFromMain(List<Tensor> tensors);

  /** Waits until every process arrives. */
  void barrier();

  @Override
  void close();

  static Distributed single() {
    return new Distributed() {
      @Override
      public int rank() {
        return 0;
      }

      @Override
      public int worldSize() {
        return 1;
      }

      @Override
      public void allReduceMean(List<Tensor> tensors) {}

      @Override
      public double allReduceSum(double value) {
        return value;
      }

      @Override
      public long[][] allGather(long[] values) {
        return new long[][] {values.clone()};
      }

      @Override
      public void broadcastFromMain(List<Tensor> tensors) {}

      @Override
      public void barrier() {}

      @Override
      public void close() {}
    };
  }
}
