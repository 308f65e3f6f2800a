package org.altdiffusion.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The floating type a model's weights and its work use ({@code --dtype}). Scheduler arithmetic,
 * noise, guidance and prompt weighting stay float32 whatever the models use: the pipeline casts at
 * each model's inputs and back to float32 at its outputs.
 */
public enum Precision {
  FLOAT32(torch.ScalarType.Float),
  BFLOAT16(torch.ScalarType.BFloat16),
  FLOAT16(torch.ScalarType.Half),
  /** Resolved per model and device by {@link #resolve}. */
  AUTO(null);

  /** What {@code --dtype} accepts. */
  public static final String ACCEPTED = "float32, bfloat16, float16 or auto";

  /**
   * The narrowest first UNet block (block_out_channels[0]) for which {@code auto} picks bfloat16 on
   * a CPU with bfloat16 instructions: SD 1.x/2.x have 320; the built-in model's 64-channel UNet
   * runs as fast in either type (its steps are op overhead), so it keeps float32's exact pictures
   * (docs/precision.md).
   */
  public static final int AUTO_BF16_MIN_CHANNELS = 320;

  private final torch.ScalarType scalarType;

  Precision(torch.ScalarType scalarType) {
    this.scalarType = scalarType;
  }

  /** {@code float32}, {@code bfloat16}/{@code bf16}, {@code float16}/{@code fp16}/{@code half}. */
  public static Precision parse(String text) {
    String s = text == null ? "auto" : text.trim().toLowerCase(Locale.ROOT);
    return switch (s) {
      case "float32", "fp32", "float" -> FLOAT32;
      case "bfloat16", "bf16" -> BFLOAT16;
      case "float16", "fp16", "half" -> FLOAT16;
      case "auto" -> AUTO;
      default ->
          throw new IllegalArgumentException("unknown dtype '" + text + "'; accepted: " + ACCEPTED);
    };
  }

  /**
   * This precision, with {@code auto} decided for a UNet whose first block has {@code
   * firstChannels} channels on {@code device}: float16 on a GPU (diffusers' usual {@code
   * torch_dtype}; the VAE is upcast where its config says force_upcast); on a CPU bfloat16 where
   * the CPU has bfloat16 instructions (AVX512-BF16 or AMX-BF16) and the model is SD-sized (an SD
   * 2.1 UNet step took 0.47x its float32 time on an AVX512-BF16 CPU), float32 elsewhere (without
   * them libtorch emulates bfloat16 arithmetic: docs/precision.md).
   */
  public Precision resolve(ComputeDevice device, int firstChannels) {
    if (this != AUTO) return this;
    if (device.isCuda()) return FLOAT16;
    return device.isCpu() && firstChannels >= AUTO_BF16_MIN_CHANNELS && cpuHasBf16()
        ? BFLOAT16
        : FLOAT32;
  }

  /** The libtorch type (AUTO has none: resolve it first). */
  public torch.ScalarType scalarType() {
    if (this == AUTO) throw new IllegalStateException("resolve 'auto' before asking for its type");
    return scalarType;
  }

  /** Whether {@code t} already has this precision's type. */
  public boolean matches(Tensor t) {
    return t.scalar_type().value == scalarType().value;
  }

  /** The name {@code --dtype} takes. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** {@code t} as {@code type} (itself when it has it): the cast at a model's boundary. */
  public static Tensor cast(Tensor t, torch.ScalarType type) {
    return t == null || t.scalar_type().value == type.value ? t : t.to(type);
  }

  /** {@code t} as float32 (itself when it is float32 or float64: a widened model's outputs). */
  public static Tensor toFloat32(Tensor t) {
    if (t == null) return null;
    int v = t.scalar_type().value;
    if (v == torch.ScalarType.Float.value || v == torch.ScalarType.Double.value) return t;
    return t.to(torch.ScalarType.Float);
  }

  /**
   * The most negative finite value of {@code type} (torch.finfo(type).min): attention masks use it
   * in the weights' type, where float32's minimum would round to -inf (bfloat16) or overflow.
   */
  public static double lowest(torch.ScalarType type) {
    int v = type.value;
    if (v == torch.ScalarType.BFloat16.value) return -3.3895313892515355e38;
    if (v == torch.ScalarType.Half.value) return -65504.0;
    if (v == torch.ScalarType.Double.value) return -Double.MAX_VALUE;
    return -Float.MAX_VALUE;
  }

  /**
   * Whether this CPU has bfloat16 instructions (Linux: the avx512_bf16 or amx_bf16 flag of
   * /proc/cpuinfo).
   */
  static boolean cpuHasBf16() {
    try {
      Path info = Path.of("/proc/cpuinfo");
      if (!Files.isReadable(info)) return false;
      try (var lines = Files.lines(info)) {
        return lines
            .filter(l -> l.startsWith("flags"))
            .findFirst()
            .map(l -> l.contains(" avx512_bf16") || l.contains(" amx_bf16"))
            .orElse(false);
      }
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
