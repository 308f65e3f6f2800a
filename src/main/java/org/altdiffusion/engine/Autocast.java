package org.altdiffusion.engine;

import org.bytedeco.pytorch.global.torch;

/**
 * libtorch's autocast for a region of this thread (torch.autocast): matrix products and
 * convolutions run in {@code precision}, precision-sensitive ops (losses, norms, softmax) in
 * float32, and the weights stay float32 (the master copy the optimiser updates). Used around a
 * training step's forward and loss ({@code --mixed-precision bf16}); backward follows the types the
 * forward recorded. Autocast's cast cache is off inside the region: it would keep reduced copies of
 * weights across optimiser updates unless cleared on exit, and caching only saves a cast per use.
 */
public final class Autocast implements AutoCloseable {
  private static final Autocast OFF = new Autocast(null, false, false, null, false, null);

  private final Precision precision;
  private final boolean cpuWas;
  private final boolean cudaWas;
  private final torch.ScalarType cpuTypeWas;
  private final boolean cacheWas;
  private final torch.ScalarType cudaTypeWas;

  private Autocast(
      Precision precision,
      boolean cpuWas,
      boolean cudaWas,
      torch.ScalarType cpuTypeWas,
      boolean cacheWas,
      torch.ScalarType cudaTypeWas) {
    this.precision = precision;
    this.cpuWas = cpuWas;
    this.cudaWas = cudaWas;
    this.cpuTypeWas = cpuTypeWas;
    this.cacheWas = cacheWas;
    this.cudaTypeWas = cudaTypeWas;
  }

  /**
   * Autocast to {@code precision} on the CPU and CUDA until {@link #close}; float32 (or null) turns
   * nothing on.
   */
  public static Autocast to(Precision precision) {
    if (precision == null || precision == Precision.FLOAT32) return OFF;
    torch.ScalarType type = precision.scalarType();
    Autocast previous =
        new Autocast(
            precision,
            torch.is_autocast_enabled(torch.DeviceType.CPU),
            torch.is_autocast_enabled(torch.DeviceType.CUDA),
            torch.get_autocast_dtype(torch.DeviceType.CPU),
            torch.is_autocast_cache_enabled(),
            torch.get_autocast_dtype(torch.DeviceType.CUDA));
    torch.set_autocast_cache_enabled(false);
    torch.set_autocast_dtype(torch.DeviceType.CPU, type);
    torch.set_autocast_dtype(torch.DeviceType.CUDA, type);
    torch.set_autocast_enabled(torch.DeviceType.CPU, true);
    torch.set_autocast_enabled(torch.DeviceType.CUDA, true);
    return previous;
  }

  /** Whether CPU autocast is on in this thread (kernels that must run in float32 step out). */
  public static boolean onCpu() {
    return torch.is_autocast_enabled(torch.DeviceType.CPU);
  }

  /**
   * Runs {@code op} with CPU autocast off (torch.autocast(enabled=False)), e.g. a float32 kernel
   * whose inputs were widened on purpose.
   */
  public static <T> T without(java.util.function.Supplier<T> op) {
    if (!onCpu()) return op.get();
    torch.set_autocast_enabled(torch.DeviceType.CPU, false);
    try {
      return op.get();
    } finally {
      torch.set_autocast_enabled(torch.DeviceType.CPU, true);
    }
  }

  /** The precision this region turned on, null when it turned nothing on. */
  public Precision precision() {
    return precision;
  }

  @Override
  public void close() {
    if (precision == null) return;
    torch.set_autocast_enabled(torch.DeviceType.CPU, cpuWas);
    torch.set_autocast_enabled(torch.DeviceType.CUDA, cudaWas);
    torch.set_autocast_dtype(torch.DeviceType.CPU, cpuTypeWas);
    torch.set_autocast_dtype(torch.DeviceType.CUDA, cudaTypeWas);
    torch.set_autocast_cache_enabled(cacheWas);
  }
}
