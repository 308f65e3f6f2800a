package org.altdiffusion.engine;

import java.util.Locale;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Where a model's weights and every tensor of its work live: {@code cpu}, {@code cuda[:N]}, or
 * {@code meta} (libtorch's device without storage: shapes and dtypes only, used by the tests to
 * prove that no tensor is made on the CPU by mistake). {@code auto} is resolved by {@link
 * #resolve()}. Noise is always drawn on the CPU and moved here ({@link Noise#on}).
 *
 * @param type {@code cpu}, {@code cuda} or {@code meta}
 * @param index the CUDA device index, -1 for the current one (and for cpu and meta)
 */
public record ComputeDevice(String type, int index) {
  public static final ComputeDevice CPU = new ComputeDevice("cpu", -1);
  public static final ComputeDevice META = new ComputeDevice("meta", -1);

  /** What {@code --device} accepts. */
  public static final String ACCEPTED = "cpu, cuda, cuda:N (N = 0, 1, ...) or auto";

  private static final String GPU_NATIVES_HOW =
      "build with the CUDA natives: mvn -Pcuda package, or ALTDIFFUSION_CUDA=1 ./altdiffusion ...;"
          + " see README, Devices";

  public ComputeDevice {
    if (!type.equals("cpu") && !type.equals("cuda") && !type.equals("meta"))
      throw new IllegalArgumentException("unknown device type '" + type + "'; accepted: cpu, cuda");
    if (index < -1 || (index >= 0 && !type.equals("cuda")))
      throw new IllegalArgumentException("bad device index " + index + " for " + type);
  }

  /**
   * {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto} (null = auto: CUDA when libtorch sees
   * a GPU, else the CPU), resolved and checked: asking for CUDA where there is none fails at once
   * with what is missing and how to get it.
   */
  public static ComputeDevice parse(String text) {
    String s = text == null ? "auto" : text.trim().toLowerCase(Locale.ROOT);
    if (s.equals("auto")) return cudaAvailable() ? new ComputeDevice("cuda", 0) : CPU;
    if (s.equals("cpu")) return CPU;
    if (s.equals("cuda")) return new ComputeDevice("cuda", 0).check();
    if (s.startsWith("cuda:")) {
      int index;
      try {
        index = Integer.parseInt(s.substring(5));
      } catch (NumberFormatException e) {
        index = -2;
      }
      if (index >= 0) return new ComputeDevice("cuda", index).check();
    }
    throw new IllegalArgumentException("unknown device '" + text + "'; accepted: " + ACCEPTED);
  }

  /** This device, after checking that it exists (CUDA natives loaded and the GPU visible). */
  public ComputeDevice check() {
    if (!isCuda()) return this;
    Torch.init();
    if (!cudaNativesLoaded())
      throw new IllegalArgumentException(
          "--device "
              + this
              + ": these libtorch natives are the CPU build ("
              + org.bytedeco.javacpp.Loader.getPlatform()
              + ", no CUDA); "
              + GPU_NATIVES_HOW);
    int count = torch.cuda_device_count();
    if (count == 0)
      throw new IllegalArgumentException(
          "--device "
              + this
              + ": the CUDA natives are loaded but libtorch sees no GPU (no NVIDIA driver, or"
              + " CUDA_VISIBLE_DEVICES hides them; nvidia-smi should list one); use --device cpu");
    if (index >= count)
      throw new IllegalArgumentException(
          "--device " + this + ": libtorch sees " + count + " GPU(s), cuda:0..cuda:" + (count - 1));
    return this;
  }

  /** Whether the CUDA build of libtorch is loaded and sees at least one GPU. */
  public static boolean cudaAvailable() {
    Torch.init();
    return cudaNativesLoaded() && torch.cuda_device_count() > 0;
  }

  /** Whether the CUDA build of libtorch is loaded (the CPU build has no CUDA backend at all). */
  static boolean cudaNativesLoaded() {
    try {
      if (torch.hasCUDA()) return true;
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      return false;
    }
    // the GPU build without a visible GPU also says hasCUDA() false: look for its libraries
    return org.bytedeco.javacpp.Loader.getLoadedLibraries().keySet().stream()
        .anyMatch(name -> name.contains("torch_cuda") || name.contains("-gpu"));
  }

  public boolean isCpu() {
    return type.equals("cpu");
  }

  public boolean isCuda() {
    return type.equals("cuda");
  }

  /** The libtorch device (a native object: made in the caller's scope). */
  public Device torch() {
    return new Device(toString());
  }

  /** Options for new tensors of {@code type} on this device. */
  public TensorOptions options(torch.ScalarType type) {
    return new TensorOptions(type).device(new DeviceOptional(torch()));
  }

  /** {@code t} on this device (itself when it is there already). */
  public Tensor place(Tensor t) {
    return sameAs(t) ? t : t.to(torch(), t.scalar_type());
  }

  /** Whether {@code t} lives on this device. */
  public boolean sameAs(Tensor t) {
    return of(t).equals(this);
  }

  /** The device {@code t} lives on. */
  public static ComputeDevice of(Tensor t) {
    Device d = t.device();
    if (d.is_cpu()) return CPU;
    if (d.is_meta()) return META;
    if (d.is_cuda()) return new ComputeDevice("cuda", d.has_index() ? d.index() : 0);
    throw new IllegalStateException("tensor on an unsupported device " + d.str().getString());
  }

  @Override
  public String toString() {
    return index >= 0 ? type + ":" + index : type;
  }
}
