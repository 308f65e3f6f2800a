package org.altdiffusion.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.altdiffusion.nn.Conv2d;
import org.altdiffusion.nn.Module;

/**
 * A1111's tiling for one generation: every convolution of the given models pads circularly, so the
 * picture's left and right (and top and bottom) edges continue each other; {@link #close} puts the
 * zero padding back.
 */
final class Tiling implements AutoCloseable {
  private final List<Conv2d> switched;

  private Tiling(List<Conv2d> switched) {
    this.switched = switched;
  }

  /** Circular padding on every {@link Conv2d} of {@code models} when {@code on}; else nothing. */
  static Tiling apply(boolean on, Module... models) {
    List<Conv2d> convs = new ArrayList<>();
    if (on) {
      for (Module m : models) {
        for (Module child : m.namedModules().values()) {
          if (child instanceof Conv2d c && !c.circular()) convs.add(c);
        }
      }
      for (Conv2d c : convs) c.setCircular(true);
    }
    return new Tiling(convs);
  }

  @Override
  public void close() {
    for (Conv2d c : switched) c.setCircular(false);
  }
}
