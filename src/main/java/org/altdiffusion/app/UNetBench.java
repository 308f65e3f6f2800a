package org.altdiffusion.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.altdiffusion.engine.ComputeDevice;
import org.altdiffusion.engine.ParallelPair;
import org.altdiffusion.engine.Tensors;
import org.altdiffusion.engine.ThreadSettings;
import org.altdiffusion.engine.Torch;
import org.altdiffusion.models.unet.UNet2DConditionConfig;
import org.altdiffusion.models.unet.UNet2DConditionModel;
import org.altdiffusion.models.vae.AutoencoderKL;
import org.altdiffusion.models.vae.AutoencoderKLConfig;
import org.altdiffusion.nn.Conv2d;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code altdiffusion bench unet}: the full-size Stable Diffusion 2.1 / AltDiffusion m18 UNet (or
 * SD 1.x / m9 with {@code --sd1}) and the SD VAE with seeded random weights, timed the way a
 * 512x512 txt2img uses them: one guided step is one UNet forward on a batch of 2 latents (the
 * unconditional and conditional halves of classifier-free guidance) with a 2x77 context.
 *
 * <p>Besides wall seconds it reports the process CPU time of each step, and times a reference
 * convolution (3x3, 320 channels, the UNet's first level) at the start: libtorch runs it in oneDNN
 * both here and in PyTorch wheels, so on a shared machine it gauges the load each run met. {@code
 * tools/reference/bench_compare.sh} runs this and {@code tools/reference/bench_diffusers.py} (the
 * same measurement through diffusers) back to back and prints the ratios ours/diffusers.
 */
@Command(
    name = "unet",
    description = {
      "Seconds per guided UNet step (batch 2 = CFG for one image) and VAE decode of the full-size"
          + " SD 2.1 / AltDiffusion m18 models (or SD 1.x / m9 with --sd1) with random weights, and"
          + " peak RSS.",
      "Needs ~4 GB of native memory; keep the Java heap small (JAVA_OPTS=-Xmx1g): the weights live"
          + " outside it."
    })
final class UNetBench implements Callable<Integer> {
  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();
  @picocli.CommandLine.Mixin PrecisionOption dtype = new PrecisionOption();

  static final int CONTEXT_TOKENS = 77;

  @Option(
      names = "--steps",
      defaultValue = "3",
      description =
          "Timed UNet steps after one warm-up step (median reported). Default ${DEFAULT-VALUE}.")
  int steps;

  @Option(
      names = "--size",
      defaultValue = "64",
      description =
          "Latent side: 64 = 512x512 images. Multiple of 8, 8..256. Default ${DEFAULT-VALUE}.")
  int size;

  @Option(
      names = "--sd1",
      description =
          "SD 1.x / m9 UNet: 8 heads per block, cross-attention dim 768, convolutional"
              + " projections.")
  boolean sd1;

  @Option(names = "--no-vae", description = "Skip the VAE decode.")
  boolean noVae;

  @Option(
      names = "--parallel-guidance",
      description =
          "Also time each step as two side-by-side batch-1 passes, one per half of the torch"
              + " threads (ALTDIFFUSION_PARALLEL_GUIDANCE), interleaved with the batch-2 step.")
  boolean parallelGuidance;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Also write the figures as JSON (for tools/reference/bench_compare.sh).")
  Path json;

  /** Rejects bad options before any native work, naming the option and what it accepts. */
  void validate() {
    if (steps < 1 || steps > 1000)
      throw new IllegalArgumentException("--steps must be 1..1000, got " + steps);
    if (size < 8 || size > 256 || size % 8 != 0) {
      throw new IllegalArgumentException(
          "--size (latent side) must be a multiple of 8 in 8..256, got " + size);
    }
    if (json != null && Files.isDirectory(json))
      throw new IllegalArgumentException("--json " + json + " is a directory; give a file name");
  }

  @Override
  public Integer call() throws Exception {
    validate();
    ThreadSettings threads = Torch.init();
    on = device.resolve();
    precision = dtype.resolve().resolve(on, unetConfig(sd1).blockOutChannels().get(0));
    System.out.println("device: " + on + ", dtype: " + precision);
    String loadBefore = loadAverage();
    System.out.printf(
        "%s UNet%s, random weights, %s, latents %dx%d (%dx%d images)%n",
        sd1 ? "SD 1.x / m9" : "SD 2.1 / m18",
        noVae ? "" : " + SD VAE",
        precision,
        size,
        size,
        size * 8,
        size * 8);
    System.out.printf(
        "threads: %s (%d cores); load average at start: %s%n",
        threads, Runtime.getRuntime().availableProcessors(), loadBefore);

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("implementation", "altdiffusion");
    figures.put("model", sd1 ? "sd1" : "sd2");
    figures.put("latent_size", size);
    figures.put("dtype", precision.toString());
    figures.put(
        "threads",
        Map.of(
            "torch",
            threads.torchThreads(),
            "blas",
            threads.blasThreads(),
            "cores",
            Runtime.getRuntime().availableProcessors()));
    figures.put(
        "blas",
        "OpenBLAS (libtorch BLAS_INFO=open), one thread; large inference Linear products split by"
            + " rows over the torch OpenMP threads (RowParallel)");
    figures.put("java_heap_max_mb", Runtime.getRuntime().maxMemory() / (1 << 20));

    try (NoGradGuard noGrad = new NoGradGuard()) {
      double convMs = referenceConvMs();
      System.out.printf(
          "reference conv 3x3 320->320 on [2,320,%d,%d]: %.1f ms (median of 5)%n",
          size, size, convMs);
      figures.put("reference_conv_ms", convMs);

      long t0 = System.nanoTime();
      UNet2DConditionModel unet = new UNet2DConditionModel(unetConfig(sd1));
      checkMemory(
          unet.parameterCount() + (noVae ? 0 : new AutoencoderKL(vaeConfig()).parameterCount()));
      unet.initialize(Tensors.generator(0));
      unet.moveTo(on);
      unet.castTo(precision.scalarType());
      System.out.printf(
          "UNet: %,d parameters, initialised in %.1f s%n",
          unet.parameterCount(), (System.nanoTime() - t0) / 1e9);
      figures.put("unet_parameters", unet.parameterCount());
      double[] stepSeconds = timeUnet(unet);
      unet.clear();
      double median = median(stepSeconds);
      System.out.printf(
          "guided step (UNet on [2,4,%d,%d], context [2,%d,%d]): median %.2f s over %d (all: %s)%n",
          size, size, CONTEXT_TOKENS, sd1 ? 768 : 1024, median, steps, format(stepSeconds));
      figures.put("step_seconds", stepSeconds);
      figures.put("step_median_s", median);
      figures.put("step_in_reference_convs", median * 1000 / convMs);
      figures.put("step_cpu_seconds", cpuSeconds);
      figures.put("step_cpu_median_s", median(cpuSeconds));
      figures.put("step_minor_faults", stepFaults);
      if (parallelGuidance) {
        double pairedMedian = median(pairedSeconds);
        System.out.printf(
            "guided step as two side-by-side passes on [1,4,%d,%d]: median %.2f s over %d (all:"
                + " %s); paired/batched %.2f%n",
            size, size, pairedMedian, steps, format(pairedSeconds), pairedMedian / median);
        figures.put("paired_step_seconds", pairedSeconds);
        figures.put("paired_step_median_s", pairedMedian);
      }
      System.out.printf(
          "process CPU time per step (all threads, spin-waits included): median %.2f s%n",
          median(cpuSeconds));

      if (!noVae) {
        AutoencoderKL vae = new AutoencoderKL(vaeConfig());
        vae.initialize(Tensors.generator(0));
        vae.moveTo(on);
        vae.castTo(precision.scalarType()); // takes float32 latents, decodes in its own type
        double decode = timeVaeDecode(vae);
        vae.clear();
        System.out.printf(
            "VAE decode of [1,4,%d,%d] -> [1,3,%d,%d]: %.2f s (after one warm-up)%n",
            size, size, size * 8, size * 8, decode);
        figures.put("vae_decode_s", decode);
      }
    }
    long peakMb = procStatusKb("VmHWM") / 1024;
    String loadAfter = loadAverage();
    System.out.printf("peak RSS (VmHWM): %,d MB; load average at end: %s%n", peakMb, loadAfter);
    figures.put("peak_rss_mb", peakMb);
    figures.put("load_average_start", loadBefore);
    figures.put("load_average_end", loadAfter);
    if (json != null) {
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValue(json.toFile(), figures);
      System.out.println("figures written to " + json);
    }
    return 0;
  }

  /**
   * Refuses to start when the machine lacks the memory: the weights (float32, native, outside the
   * Java heap) plus activations, which grow with the latent area (~0.8 GB at 64x64, measured as
   * peak RSS minus weights), must fit in MemAvailable. Prints the estimate and the heap limit.
   */
  private void checkMemory(long parameters) {
    long weightsMb = parameters * 4 / (1 << 20);
    long activationsMb = (long) (800.0 * size * size / (64.0 * 64.0));
    long heapMb = Runtime.getRuntime().maxMemory() / (1 << 20);
    long availableMb = meminfoKb("MemAvailable") / 1024;
    System.out.printf(
        "memory: %,d MB of weights + ~%,d MB of activations (native); Java heap limit %,d MB;"
            + " available %s%n",
        weightsMb,
        activationsMb,
        heapMb,
        availableMb < 0 ? "unknown" : String.format("%,d MB", availableMb));
    if (availableMb >= 0 && weightsMb + activationsMb > availableMb) {
      throw new IllegalStateException(
          String.format(
              "needs ~%,d MB of native memory but only %,d MB are available; free memory, use a"
                  + " smaller --size, or --no-vae",
              weightsMb + activationsMb, availableMb));
    }
  }

  /**
   * The UNet of SD 2.1-base / AltDiffusion m18, or with {@code sd1} of SD 1.x / AltDiffusion m9.
   */
  static UNet2DConditionConfig unetConfig(boolean sd1) {
    String cross = UNet2DConditionConfig.CROSS_ATTN_DOWN;
    String crossUp = UNet2DConditionConfig.CROSS_ATTN_UP;
    List<Integer> heads = sd1 ? List.of(8, 8, 8, 8) : List.of(5, 10, 20, 20);
    return new UNet2DConditionConfig(
        64,
        4,
        4,
        false,
        true,
        0,
        List.of(cross, cross, cross, UNet2DConditionConfig.DOWN),
        UNet2DConditionConfig.MID_CROSS_ATTN,
        List.of(UNet2DConditionConfig.UP, crossUp, crossUp, crossUp),
        Collections.nCopies(4, false),
        List.of(320, 640, 1280, 1280),
        Collections.nCopies(4, 2),
        1,
        1,
        0,
        "silu",
        32,
        1e-5,
        sd1 ? 768 : 1024,
        Collections.nCopies(4, 1),
        heads,
        !sd1,
        false,
        false,
        null,
        null,
        "positional",
        null,
        "default",
        3,
        3);
  }

  /** The Stable Diffusion VAE (shared by SD 1.x, 2.x and AltDiffusion). */
  static AutoencoderKLConfig vaeConfig() {
    String down = AutoencoderKLConfig.DOWN_ENCODER;
    String up = AutoencoderKLConfig.UP_DECODER;
    return new AutoencoderKLConfig(
        3,
        3,
        List.of(down, down, down, down),
        List.of(up, up, up, up),
        List.of(128, 256, 512, 512),
        2,
        "silu",
        4,
        32,
        512,
        0.18215,
        null,
        null,
        null,
        true,
        true,
        true,
        true);
  }

  /** CPU seconds of the timed steps (all threads of the process), filled by {@link #timeUnet}. */
  private double[] cpuSeconds;

  /** Where the UNet and VAE run ({@code --device}). */
  private ComputeDevice on = ComputeDevice.CPU;

  private org.altdiffusion.engine.Precision precision = org.altdiffusion.engine.Precision.FLOAT32;

  /** Minor page faults (fresh memory pages touched) during the last timed step. */
  private long stepFaults;

  /** Seconds of the same steps as two side-by-side passes, with {@link #parallelGuidance}. */
  private double[] pairedSeconds;

  /** One warm-up step, then {@link #steps} timed ones, each in its own native scope. */
  private double[] timeUnet(UNet2DConditionModel unet) {
    Generator g = Tensors.generator(1);
    int contextDim = unet.config.crossAttentionDim();
    double[] seconds = new double[steps];
    cpuSeconds = new double[steps];
    pairedSeconds = new double[steps];
    for (int i = -1; i < steps; i++) {
      try (PointerScope scope = new PointerScope()) {
        Tensor latents =
            on.place(Tensors.randn(g, 2, 4, size, size))
                .to(precision.scalarType()); // [2, 4, h, w]: uncond + cond halves
        Tensor context =
            on.place(Tensors.randn(g, 2, CONTEXT_TOKENS, contextDim))
                .to(precision.scalarType()); // [2, 77, dim]
        double cpuStart = processCpuSeconds();
        long faultsStart = minorFaults();
        long start = System.nanoTime();
        Tensor eps = unet.forward(latents, 500.0, context);
        eps.sum().item_double(); // make sure the result is materialised
        double s = (System.nanoTime() - start) / 1e9;
        double cpu = processCpuSeconds() - cpuStart;
        long faults = minorFaults() - faultsStart;
        if (i >= 0) {
          seconds[i] = s;
          cpuSeconds[i] = cpu;
          stepFaults = faults;
        }
        System.out.printf(
            "  %s %.2f s (process CPU %.2f s, %,d minor page faults)%n",
            i < 0 ? "warm-up step" : "step " + (i + 1), s, cpu, faults);
        if (parallelGuidance) {
          double paired = timePaired(unet, latents, context);
          if (i >= 0) pairedSeconds[i] = paired;
          System.out.printf(
              "  %s as two side-by-side passes %.2f s%n",
              i < 0 ? "warm-up step" : "step " + (i + 1), paired);
        }
      }
    }
    return seconds;
  }

  /** The same guided step as two batch-1 passes on the ParallelPair workers. */
  private static double timePaired(UNet2DConditionModel unet, Tensor latents, Tensor context) {
    long start = System.nanoTime();
    Tensor[] halves =
        ParallelPair.run(
            () -> unet.forward(latents.narrow(0, 0, 1), 500.0, context.narrow(0, 0, 1)),
            () -> unet.forward(latents.narrow(0, 1, 1), 500.0, context.narrow(0, 1, 1)));
    halves[0].sum().add(halves[1].sum()).item_double();
    return (System.nanoTime() - start) / 1e9;
  }

  private double timeVaeDecode(AutoencoderKL vae) {
    Generator g = Tensors.generator(2);
    double last = 0;
    for (int i = 0; i < 2; i++) { // warm-up, then the timed one
      try (PointerScope scope = new PointerScope()) {
        Tensor latents = on.place(Tensors.randn(g, 1, 4, size, size)); // [1, 4, h, w]
        long start = System.nanoTime();
        vae.decode(latents).sum().item_double();
        last = (System.nanoTime() - start) / 1e9;
      }
    }
    return last;
  }

  /** Median of 5 runs (after one warm-up) of the UNet's first-level 3x3 convolution, in ms. */
  private double referenceConvMs() {
    Conv2d conv = new Conv2d(320, 320, 3, 1, 1);
    conv.initialize(Tensors.generator(3));
    try (PointerScope scope = new PointerScope()) {
      Tensor x = Tensors.randn(Tensors.generator(4), 2, 320, size, size); // [2, 320, h, w]
      double[] ms = new double[5];
      for (int i = -1; i < ms.length; i++) {
        long start = System.nanoTime();
        try (PointerScope inner = new PointerScope()) {
          conv.forward(x);
        }
        if (i >= 0) ms[i] = (System.nanoTime() - start) / 1e6;
      }
      return median(ms);
    } finally {
      conv.clear();
    }
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String format(double[] values) {
    List<String> parts = new ArrayList<>();
    for (double v : values) parts.add(String.format("%.2f", v));
    return String.join(", ", parts);
  }

  /**
   * CPU time of every thread of this process so far (native pools included), or 0 where unknown.
   */
  static double processCpuSeconds() {
    return ProcessHandle.current()
        .info()
        .totalCpuDuration()
        .map(d -> d.toNanos() / 1e9)
        .orElse(0.0);
  }

  /** Minor page faults of this process so far (field 10 of /proc/self/stat), or 0 where unknown. */
  static long minorFaults() {
    return readOr(
        () -> {
          String stat = Files.readString(Path.of("/proc/self/stat"));
          String[] fields =
              stat.substring(stat.lastIndexOf(')') + 2).split(" "); // fields from the 3rd on
          return Long.parseLong(fields[7]);
        },
        0L);
  }

  /** The first three fields of /proc/loadavg (1, 5, 15 minutes), or "n/a". */
  static String loadAverage() {
    return readOr(
        () -> {
          String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
          return f[0] + " " + f[1] + " " + f[2];
        },
        "n/a");
  }

  /** A field of /proc/self/status in kB (Linux), or -1. */
  static long procStatusKb(String field) {
    return kbField(Path.of("/proc/self/status"), field);
  }

  /** A field of /proc/meminfo in kB (Linux), or -1. */
  static long meminfoKb(String field) {
    return kbField(Path.of("/proc/meminfo"), field);
  }

  private static long kbField(Path file, String field) {
    return readOr(
        () -> {
          for (String line : Files.readAllLines(file)) {
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
          }
          return -1L;
        },
        -1L);
  }

  private interface IoSupplier<T> {
    T get() throws Exception;
  }

  private static <T> T readOr(IoSupplier<T> read, T fallback) {
    try {
      return read.get();
    } catch (Exception e) {
      return fallback; // not Linux: no figure
    }
  }
}
