package org.altdiffusion.nn;

import java.util.Arrays;
import org.altdiffusion.engine.Scopes;
import org.bytedeco.pytorch.Tensor;

/**
 * One named tensor of a module, with the shape the architecture declares. The value is empty until
 * loaded or initialised, so a full-size model never holds two copies of its weights. The value
 * outlives every {@code PointerScope}; replacing it frees the old one.
 */
public final class Parameter {
  private final long[] shape;
  private Tensor value;
  private boolean trainable = true;

  public Parameter(long... shape) {
    this.shape = shape.clone();
  }

  public long[] shape() {
    return shape.clone();
  }

  public boolean isSet() {
    return value != null;
  }

  /** The tensor; throws when the parameter has neither been loaded nor initialised. */
  public Tensor get() {
    if (value == null)
      throw new IllegalStateException(
          "parameter of shape " + Arrays.toString(shape) + " was never loaded or initialised");
    return value;
  }

  /** Replaces the value (shape must match the declared shape). The tensor is retained. */
  public void set(Tensor tensor) {
    long[] actual = tensor.sizes().vec().get();
    if (!Arrays.equals(actual, shape)) {
      throw new IllegalArgumentException(
          "expected shape " + Arrays.toString(shape) + ", got " + Arrays.toString(actual));
    }
    Tensor old = value;
    value = Scopes.retain(tensor);
    if (trainable) value.requires_grad_(true);
    Scopes.release(old);
  }

  public boolean trainable() {
    return trainable;
  }

  /** Frozen parameters take no gradient and are left out of optimisers. */
  public void setTrainable(boolean trainable) {
    this.trainable = trainable;
    if (value != null) value.requires_grad_(trainable);
  }

  /** Frees the value. */
  public void clear() {
    Scopes.release(value);
    value = null;
  }
}
