package org.altdiffusion.train.data;

import java.util.List;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * This process's share of one global micro-batch: its examples and the slot of each in the global
 * batch. Random draws (noise, timesteps, caption dropout) are made for the whole global batch, in
 * slot order, by every process alike, and each process keeps its own rows: so N processes see
 * exactly what one process with the global batch sees.
 *
 * @param items the examples, in slot order
 * @param slots for each example, its row in the global batch
 * @param globalSize rows of the global batch
 */
public record Batch<T>(List<T> items, long[] slots, int globalSize) {
  public int size() {
    return items.size();
  }

  /**
   * The rows of a global-batch tensor [globalSize, ...] that belong to this process: [size, ...].
   */
  public Tensor mine(Tensor global) {
    if (global.size(0) != globalSize) {
      throw new IllegalArgumentException(
          "global tensor has " + global.size(0) + " rows, the global batch " + globalSize);
    }
    if (items.size() == globalSize) return global;
    return global.index_select(
        0, ComputeDevice.of(global).place(Tensors.fromLongs(slots, slots.length)));
  }

  /** The entries of a per-global-slot array that belong to this process. */
  public boolean[] mine(boolean[] global) {
    boolean[] out = new boolean[slots.length];
    for (int i = 0; i < slots.length; i++) out[i] = global[(int) slots[i]];
    return out;
  }
}
